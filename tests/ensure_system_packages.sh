#!/usr/bin/env bash
# Debian packages the suite drives for real: chromium (browser tests), PostgreSQL (the second
# database run), poppler-utils (render and read certificate PDFs), zbar-tools (read their QR code),
# nodejs and npm (tests/verifier: an outside verifier of the credentials; the test installs its
# packages from tests/verifier/package-lock.json with `npm ci`), default-jre-headless (Java for the
# Nu HTML Checker, vnu.jar from tests/vnu/package-lock.json, that checks every main page).
# As root, install what is missing with apt; otherwise say what will be skipped.
set -u
need=""
have() { command -v "$1" >/dev/null 2>&1; }
[ -x /usr/bin/chromium ] || need="$need chromium"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || have initdb || need="$need postgresql"
have pdftotext || need="$need poppler-utils"
have zbarimg || need="$need zbar-tools"
have node || need="$need nodejs"
have npm || need="$need npm"
have java || need="$need default-jre-headless"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = "0" ] && have apt-get; then
  echo "Installing for the tests:$need"
  log=/tmp/sabak-apt.log
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need; } >"$log" 2>&1; then
    echo "apt-get could not install$need (see $log); the tests that need them will be skipped or fail."
  fi
else
  echo "Missing$need and not root: the tests that need them are skipped (apt-get install$need)."
fi
exit 0
