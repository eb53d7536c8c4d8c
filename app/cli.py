"""Command-line tools: ``flask users ...``, ``flask institutions ...``, ``flask demo seed`` and friends."""
from __future__ import annotations

from contextlib import contextmanager

import os
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db
from app.models.people import Institution, InstitutionKind, Region, Role

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demonstration data for development.")
maintenance_cli = AppGroup("maintenance", help="Housekeeping for operators.")
courses_cli = AppGroup("courses", help="Check and sync the course files.")
credentials_cli = AppGroup("credentials", help="Keys for signing certificates.")
institutions_cli = AppGroup("institutions", help="The institutions learners choose from, and the regions.")

# Fixed on purpose: the README lists them, and `flask demo seed` refuses to run in production.
DEMO_ACCOUNTS = [
    ("admin@sabak.local", "Demo Admin", Role.ADMIN, "sabak-admin-demo"),
    ("instructor@sabak.local", "Айгүл Осмонова (demo)", Role.INSTRUCTOR, "sabak-instructor-demo"),
    ("coordinator@sabak.local", "Нурлан Абдыкадыров (demo)", Role.COORDINATOR, "sabak-coordinator-demo"),
    ("learner@sabak.local", "Бакыт Токтогулов (demo)", Role.LEARNER, "sabak-learner-demo"),
]
DEMO_INSTITUTIONS = [
    ("National Library of the Kyrgyz Republic", InstitutionKind.LIBRARY, Region.BISHKEK),
    ("Kyrgyz National University named after Jusup Balasagyn", InstitutionKind.UNIVERSITY, Region.BISHKEK),
    ("Osh State University", InstitutionKind.UNIVERSITY, Region.OSH_CITY),
]


_NO_SCOPE_YET = "They see no institution yet: give them some with `flask users set-institutions`."


def _account(email: str):
    """The account with this email, or the command stops saying there is none."""
    from app.services import accounts

    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    return user


def _commit_and_tell(user, done: str) -> None:
    """Commit a change to an account and say what was done; a coordinator is told that they see
    nothing yet, since a new coordinator's empty scope is the usual surprise after creating one
    or changing a role."""
    db.session.commit()
    click.echo(done)
    if user.role is Role.COORDINATOR:
        click.echo(_NO_SCOPE_YET)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default=None, help="Full name (default: the part of the email before @).")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.LEARNER.value)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(email: str, name: str | None, role: str, password: str) -> None:
    """Create an account, e.g. the first admin: flask users create --role admin --email you@example.org"""
    from app.services import accounts

    try:
        user = accounts.create_user(
            email=email, name=name or email.split("@")[0], password=password, role=Role(role)
        )
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    _commit_and_tell(user, f"Created {user.role.value} {user.email} (id {user.id}).")


@users_cli.command("set-role")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
def set_role_command(email: str, role: str) -> None:
    """Change an account's role from the shell (for when no admin can log in)."""
    from app.services import accounts

    user = _account(email)
    accounts.assign_role(user, Role(role))
    _commit_and_tell(user, f"{user.email} is now {role}.")


@users_cli.command("set-institutions")
@click.option("--email", required=True)
@click.option("--all", "all_institutions", is_flag=True, help="Every institution, and learners without one.")
@click.option("--institution", "names", multiple=True, help="An institution's name (repeat for several).")
def set_institutions_command(email: str, all_institutions: bool, names: tuple[str, ...]) -> None:
    """Choose whose results a coordinator sees: --all, or --institution NAME for each; neither clears."""
    from app.services import coordinator, institutions

    user = _account(email)
    if user.role is not Role.COORDINATOR:
        raise click.ClickException(f"{user.email} is {user.role.value}, not coordinator "
                                   "(flask users set-role --role coordinator).")
    if all_institutions and names:
        raise click.ClickException("Give either --all or --institution, not both.")
    chosen = []
    for name in names:
        institution = institutions.find_by_name(name)
        if institution is None:
            raise click.ClickException(f"No institution named {name!r} (flask institutions list).")
        chosen.append(institution)
    coordinator.set_coordinator_scope(user, institutions=chosen, all_institutions=all_institutions)
    db.session.commit()
    if all_institutions:
        click.echo(f"{user.email} sees all institutions.")
    else:
        click.echo(f"{user.email} sees: {', '.join(i.name for i in chosen) or 'nothing (no institutions)'}.")


@institutions_cli.command("list")
def list_institutions_command() -> None:
    """Every institution: name, kind, region, people and groups (tab-separated)."""
    from app.services import institutions

    for used in institutions.usage():
        inst = used.institution
        click.echo(f"{inst.name}\t{inst.kind.value}\t{inst.region.value}\t{used.learners}\t{used.cohorts}")


@institutions_cli.command("regions")
def list_regions_command() -> None:
    """The region codes, with their names in Russian, Kyrgyz and English."""
    from flask_babel import force_locale

    from app.services.institutions import LANGUAGES, REGION_LABELS

    for region, label in REGION_LABELS.items():
        names = []
        for language in LANGUAGES:
            with force_locale(language):
                names.append(str(label))
        click.echo("\t".join([region.value, *names]))


def _choice(parse, value: str):
    from app.services.institutions import InstitutionError

    try:
        return parse(value)
    except InstitutionError as exc:
        raise click.ClickException(str(exc)) from exc


@institutions_cli.command("add")
@click.argument("name")
@click.option("--kind", required=True, help="university, library, school or other (or its name).")
@click.option("--region", required=True, help="A code from `flask institutions regions`, or its name.")
def add_institution_command(name: str, kind: str, region: str) -> None:
    """Add an institution."""
    from app.services import institutions

    try:
        inst = institutions.add_institution(name, _choice(institutions.parse_kind, kind),
                                            _choice(institutions.parse_region, region))
    except institutions.InstitutionError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Added {inst.name} (id {inst.id}).")


def _institution_named(name: str):
    from app.services import institutions

    inst = institutions.find_by_name(name)
    if inst is None:
        raise click.ClickException(f"No institution named {name!r}.")
    return inst


@contextmanager
def _institution_change():
    """Commit the change the block makes, or say the service's refusal and change nothing."""
    from app.services import institutions

    try:
        yield
    except institutions.InstitutionError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()


@institutions_cli.command("edit")
@click.argument("name")
@click.option("--name", "new_name", default=None, help="The new name.")
@click.option("--kind", default=None)
@click.option("--region", default=None)
def edit_institution_command(name: str, new_name: str | None, kind: str | None, region: str | None) -> None:
    """Rename an institution or change its kind or region; its people and groups stay with it."""
    from app.services import institutions

    inst = _institution_named(name)
    with _institution_change():
        institutions.update_institution(
            inst, name=new_name or inst.name,
            kind=_choice(institutions.parse_kind, kind) if kind else inst.kind,
            region=_choice(institutions.parse_region, region) if region else inst.region)
    click.echo(f"Saved {inst.name}: {inst.kind.value}, {inst.region.value}.")


@institutions_cli.command("delete")
@click.argument("name")
def delete_institution_command(name: str) -> None:
    """Delete an institution nobody refers to (refuses, saying why, when one is in use)."""
    from app.services import institutions

    inst = _institution_named(name)
    with _institution_change():
        institutions.delete_institution(inst)
    click.echo(f"Deleted {name}.")


@institutions_cli.command("merge")
@click.argument("source")
@click.argument("target")
def merge_institution_command(source: str, target: str) -> None:
    """Move SOURCE's people, groups and coordinators to TARGET and delete SOURCE (duplicates)."""
    from app.services import institutions

    found = [_institution_named(name) for name in (source, target)]
    with _institution_change():
        moved = institutions.merge_institution(*found)
    click.echo(f"Merged {source} into {target}; {moved} people moved.")


@institutions_cli.command("import")
@click.argument("file", type=click.File("rb"))
def import_institutions_command(file) -> None:
    """Add or update institutions from a CSV file (UTF-8; header: name,kind,region). All or
    nothing: any bad line is reported as `line N: message` and nothing is imported."""
    from app.services import institutions

    result = institutions.import_csv(file.read())
    if not result.ok:
        db.session.rollback()
        for error in result.errors:
            click.echo(error, err=True)
        raise click.ClickException("Nothing imported; correct the lines above and run again.")
    db.session.commit()
    click.echo(f"Imported: {len(result.added)} added, {len(result.updated)} updated, "
               f"{len(result.unchanged)} unchanged.")


@users_cli.command("reset-link")
@click.argument("email")
def reset_link_command(email: str) -> None:
    """Print a one-time link that sets a new password for EMAIL (for sites without mail)."""
    from app.services import password_resets

    user = _account(email)
    link = password_resets.admin_link(user, None)
    db.session.commit()
    click.echo(f"Password-reset link for {user.email}, valid once for {current_app.config['ADMIN_RESET_LINK_HOURS']:g} hours:")
    click.echo(link)


@demo_cli.command("seed")
def seed_command() -> None:
    """Add demo institutions and the admin, instructor, coordinator and learner accounts (skips existing ones)."""
    from app.services import accounts

    if current_app.config["SABAK_ENV"] not in ("development", "testing"):
        raise click.ClickException("Demo accounts are for development only (SABAK_ENV=development).")
    institutions = {}
    for name, kind, region in DEMO_INSTITUTIONS:
        inst = db.session.query(Institution).filter_by(name=name).one_or_none()
        if inst is None:
            inst = Institution(name=name, kind=kind, region=region)
            db.session.add(inst)
        institutions[name] = inst
    db.session.flush()
    first = institutions[DEMO_INSTITUTIONS[0][0]]
    for email, name, role, password in DEMO_ACCOUNTS:
        if accounts.find_user_by_email(email) is None:
            user = accounts.create_user(email=email, name=name, password=password, role=role, institution=first)
            if role is Role.COORDINATOR:  # a regional coordinator: the Bishkek institutions
                user.coordinated_institutions = [i for i in institutions.values() if i.region is Region.BISHKEK]
    db.session.commit()
    click.echo("Demo accounts (development only):")
    for email, _name, role, password in DEMO_ACCOUNTS:
        click.echo(f"  {role.value:<11}  {email:<25}  password: {password}")


@maintenance_cli.command("purge")
def purge_command() -> None:
    """Delete expired rate-limit windows and expired login sessions."""
    from app.platform.ratelimit import DatabaseStorage
    from app.services import accounts

    removed = DatabaseStorage().purge_expired()
    click.echo(f"Removed {removed} expired rate-limit counters.")
    sessions = accounts.purge_expired_sessions()
    db.session.commit()
    click.echo(f"Removed {sessions} expired login sessions.")


def _course_paths(paths: tuple[str, ...]) -> tuple[list[Path], bool]:
    """The paths to work on, and whether they are the whole courses folder (COURSES_DIR)."""
    chosen = [Path(p) for p in paths] or [Path(current_app.config["COURSES_DIR"])]
    # Diagnostics name files the way the author sees them: relative to here when possible.
    shown = [Path(os.path.relpath(p)) if not os.path.relpath(p).startswith("..") else p for p in chosen]
    return shown, not paths


@courses_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False))
def check_command(paths: tuple[str, ...]) -> None:
    """Check courses (default: COURSES_DIR) and print every problem as path:line: severity: message."""
    from app.curriculum.__main__ import format_report
    from app.curriculum.loader import load_courses

    result = load_courses(_course_paths(paths)[0])
    click.echo(format_report(result.diagnostics, result.checked))
    if result.has_errors:
        raise SystemExit(1)


@courses_cli.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False))
def sync_command(paths: tuple[str, ...]) -> None:
    """Check, then import every error-free course (default: COURSES_DIR); exit 1 naming failures."""
    from app.services.sync import sync_all

    course_paths, whole_tree = _course_paths(paths)
    report = sync_all(course_paths, commit=db.session.commit, rollback=db.session.rollback,
                      retire_missing=whole_tree)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        click.echo(f"Not synced (fix the errors above): {', '.join(report.failed)}", err=True)
        raise SystemExit(1)


ROTATION_HELP = ("To rotate the key, run `flask credentials init-key --force` with the same --file "
                 "(see 'Rotating the signing key' in docs/operations.md): the old public key is then "
                 "recorded in the database, so every certificate signed with it keeps verifying.")


@credentials_cli.command("init-key")
@click.option("--file", "path", default=None, help="Where to write the secret key (default: instance/signing-key.txt).")
@click.option("--if-missing", is_flag=True, help="Do nothing when a key is already configured or the file exists.")
@click.option("--force", is_flag=True,
              help="Replace an existing key (key rotation): its public key keeps verifying what it signed.")
def init_key_command(path: str | None, if_missing: bool, force: bool) -> None:
    """Create the Ed25519 key pair that signs Open Badges credentials.

    Never replaces a key without --force: every certificate signed with it would stop verifying.
    With --force, the old public key is recorded in the database (every host reads it from there)
    and the old secret key file is kept beside the new one, renamed."""
    from app.credentials.multikey import KeyFormatError, generate_keypair
    from app.services import certificates

    if if_missing and force:
        raise click.UsageError("--if-missing and --force contradict each other.")
    target = Path(path or current_app.config.get("CREDENTIALS_SIGNING_KEY_FILE")
                  or Path(current_app.instance_path) / "signing-key.txt")
    configured = certificates.signing_key()
    if configured or target.exists():
        if if_missing:
            return
        if not force:
            where = f"{target} already exists" if target.exists() else "A signing key is already configured"
            raise click.ClickException(f"{where}; refusing to replace it, because every certificate signed "
                                       f"with the key would stop verifying. {ROTATION_HELP}")
    retired = []
    try:
        for secret in (configured, target.read_text(encoding="utf-8").strip() if target.exists() else None):
            if secret and certificates.public_key_of(secret) not in retired:
                retired.append(certificates.public_key_of(secret))
    except (KeyFormatError, ValueError) as exc:
        raise click.ClickException(f"{target} does not hold a key Sabak can read ({exc}); "
                                   "move it away yourself if it is not needed.") from exc
    secret, public = generate_keypair()
    if retired:
        certificates.record_key_rotation(retired, public)
        db.session.commit()  # before the file changes: the old key must never be unvouched for
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.new")
    fresh.unlink(missing_ok=True)  # left by an interrupted run: made anew, so with mode 0600
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    if target.exists():  # kept, not overwritten: a secret key is never destroyed by this command
        kept = target.with_name(f"{target.name}.retired-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}")
        os.replace(target, kept)
        click.echo(f"The old secret key is kept in {kept}: store it offline or delete it; it is no longer used.")
    os.replace(fresh, target)
    click.echo(f"Secret key written to {target} (keep it private; back it up).")
    click.echo(f"Public key (published at /issuer and /issuer/keys/{public}): {public}")
    if retired:
        click.echo("Retired public keys, still published and still verifying: " + " ".join(retired))
        click.echo("Copy the new key file to every host (or put its content in CREDENTIALS_SIGNING_KEY) "
                   "and restart Sabak there.")
    else:
        click.echo("In production set CREDENTIALS_SIGNING_KEY_FILE to that path, or CREDENTIALS_SIGNING_KEY to its content.")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(maintenance_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(credentials_cli)
    app.cli.add_command(institutions_cli)
