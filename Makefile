# The two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi:app
DEV_ENV := SABAK_ENV=development
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev db-upgrade sync seed translations translations-compile \
        translations-check browser-deps clean help

help:
	@echo "make run    - install, migrate, sync courses/, seed demo accounts, serve on http://$(HOST):$(PORT)"
	@echo "make test   - install test tools (and chromium when root) and run the whole suite"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations-compile: install
	$(BIN)/pybabel compile --statistics -d app/translations 2>&1 | grep -v "^compiling" || true
	@$(BIN)/python -m app.i18n_check --compiled

# Re-extract strings from the code and merge them into the three catalogs (for developers).
translations: install
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext -w 100 -o app/translations/messages.pot .
	$(BIN)/pybabel update -w 100 --no-fuzzy-matching --ignore-obsolete -i app/translations/messages.pot -d app/translations
	$(BIN)/python -m app.i18n_check --fill-english

translations-check: install
	$(BIN)/python -m app.i18n_check

db-upgrade: install translations-compile
	$(DEV_ENV) $(FLASK) db upgrade

# A course with errors keeps its last good version (or stays out); the site still starts.
sync: db-upgrade
	@$(DEV_ENV) $(FLASK) courses sync || echo "Some courses were not synced: fix the errors listed above."

seed: db-upgrade
	$(DEV_ENV) $(FLASK) demo seed
	@$(DEV_ENV) $(FLASK) credentials init-key --if-missing

run: install translations-check sync seed
	@echo
	@echo "Sabak is starting on http://$(HOST):$(PORT)  (stop with Ctrl+C)"
	@echo "Log in with one of the demo accounts printed above."
	$(DEV_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

browser-deps:
	@bash tests/ensure_system_packages.sh

test: install-dev translations-check translations-compile browser-deps
	@bash tests/run_suite.sh

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
