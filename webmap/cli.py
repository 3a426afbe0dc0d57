"""The ``webmap`` command (also ``flask --app webmap``): database, reference data, seed."""

from __future__ import annotations

import click
from alembic import command
from flask import current_app
from flask.cli import FlaskGroup

from . import create_app
from .extensions import db
from .migrations import alembic_config


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """webmap — child-protection assistance structures in Côte d'Ivoire."""


@main.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: every head)."""
    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration, compared against the models by default."""
    command.revision(
        alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=autogenerate
    )


@main.command("seed")
def seed_command() -> None:
    """Load the seed directory from data/geo/ (idempotent)."""
    from .directory.seed import load_seed

    session = db.session
    report = load_seed(session)
    session.commit()
    click.echo(f"seed: {report}")


@main.command("geodata")
@click.option("--force", is_flag=True, help="Rebuild and reload every layer, even if unchanged.")
@click.option("--check", "check_only", is_flag=True,
              help="Only fetch and verify every file of data/geo/manifest.toml; load nothing.")
def geodata_command(force: bool, check_only: bool) -> None:
    """Fetch, verify, build and load the reference geodata (boundaries, population, gazetteer)."""
    from .geodata import GeodataError, load_manifest, run, verify_all

    mirror = current_app.config.get("WEBMAP_GEODATA_MIRROR")
    cache = current_app.config.get("WEBMAP_GEODATA_CACHE")
    click.echo(f"geodata: mirror {mirror or '(none)'}, cache {cache or '(none)'}")
    session = db.session
    try:
        if check_only:
            for item in verify_all(load_manifest(), mirror, cache):
                click.echo(f"  ok  {item.name:<26} {item.origin:<8} {item.path}")
            return
        report = run(session, mirror=mirror, cache=cache, force=force, log=click.echo)
        session.commit()
    except GeodataError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"geodata: {'unchanged' if report.unchanged else 'committed'} "
               f"in {report.timings['total']:.2f} s")


from .transfer.cli import import_command  # noqa: E402

main.add_command(import_command)


# --- planning (campaigns, at-risk zones) -------------------------------------------------------


@main.command("riskzones")
def riskzones_command() -> None:
    """Compute and load the reference at-risk zones of data/geo/risk_zones.toml (idempotent)."""
    from .geodata import GeodataError, layer_path, load_manifest
    from .planning.riskzones import NEIGHBOURS_LAYER, RiskZoneError, load_reference_zones

    session = db.session
    try:
        neighbours = layer_path(
            NEIGHBOURS_LAYER,
            load_manifest(),
            current_app.config.get("WEBMAP_GEODATA_MIRROR"),
            current_app.config.get("WEBMAP_GEODATA_CACHE"),
        )
        report = load_reference_zones(session, neighbours)
        session.commit()
    except (GeodataError, RiskZoneError) as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"riskzones: {report}")


@main.command("demo")
@click.option("--remove", is_flag=True, help="Delete every demonstration campaign instead.")
def demo_command(remove: bool) -> None:
    """Add fictitious demonstration campaigns, labelled DÉMO everywhere (idempotent)."""
    from .planning.demo import create_demo, remove_demo

    session = db.session
    if remove:
        count = remove_demo(session)
        session.commit()
        click.echo(f"demo: {count} demonstration campaign(s) removed")
        return
    report = create_demo(session)
    session.commit()
    click.echo(f"demo: {report['inserted']} inserted, {report['demo_campaigns']} demonstration campaign(s) in all")


@main.command("planning-refresh")
def planning_refresh_command() -> None:
    """Recompute the campaign shares of each département (after reloading the boundaries)."""
    from sqlalchemy import text

    session = db.session
    session.execute(text("SELECT planning_derive_campaigns(NULL)"))
    session.commit()
    click.echo("planning: campaign shares recomputed")


@main.group("user")
def user_group() -> None:
    """Staff accounts (the first admin is created here)."""


@user_group.command("create")
@click.option("--email", required=True, help="Sign-in e-mail address.")
@click.option("--name", required=True,
              help="Name shown in the interface and in the history, which the public sees (never the e-mail).")
@click.option("--role", type=click.Choice(["admin", "editor", "referral"]), default="admin", show_default=True)
@click.option("--organization", "organizations", multiple=True,
              help="Exact name of an organization the editor edits for (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def user_create_command(email: str, name: str, role: str, organizations: tuple[str, ...],
                        password_stdin: bool) -> None:
    """Create an account; asks for the password twice unless --password-stdin."""
    import sys

    from flask_babel import force_locale
    from sqlalchemy import select

    from .auth.service import create_user
    from .directory.validation import ValidationFailed
    from .history import set_actor
    from .models import Organization

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = db.session
    set_actor(session, None, "webmap user create")
    ids = []
    for org_name in organizations:
        org_id = session.scalar(select(Organization.id).where(Organization.name == org_name))
        if org_id is None:
            raise click.ClickException(f"unknown organization: {org_name!r}")
        ids.append(org_id)
    try:
        with force_locale("en"):  # messages outside a request (the locale selector needs one)
            user = create_user(session, email, name, role, password, ids)
    except ValidationFailed as exc:
        session.rollback()
        raise click.ClickException("; ".join(f"{field}: {message}" for field, message in exc.errors.items())) from exc
    session.commit()
    click.echo(f"user: {user.email} created ({user.role})")


@user_group.command("list")
def user_list_command() -> None:
    """List the accounts."""
    from .auth.service import list_users

    for user in list_users(db.session):
        state = "" if user.active else " (inactive)"
        orgs = ", ".join(org.name for org in user.organizations)
        click.echo(f"{user.email}\t{user.role}{state}\t{user.name}\t{orgs}")


# ------------------------------------------------------------------------------- backups


def _secret_key_file():
    from .config import PROJECT_ROOT

    return PROJECT_ROOT / "var" / "secret_key"


@main.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Archive to write (default: var/backups/webmap-backup-CONFIDENTIEL-<date>.tar).")
def backup_command(output: str | None) -> None:
    """Save the database and var/secret_key in one archive (readable by its owner only)."""
    from pathlib import Path

    from .backup import BackupError, create_backup, default_backup_path
    from .config import PROJECT_ROOT

    db.session.close()  # the dump sees what is committed; hold no transaction open meanwhile
    destination = Path(output) if output else default_backup_path(PROJECT_ROOT / "var" / "backups")
    try:
        report = create_backup(current_app.config["DATABASE_URL"], destination, _secret_key_file())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(report.tables.values())
    click.echo(f"backup: {report.path} — {len(report.tables)} tables, {rows} rows, "
               f"revision {report.revision}, files: {', '.join(report.files) or 'none'}")
    click.echo("backup: the archive holds exact positions of confidential places and password hashes: "
               "keep it as safe as the database.")


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def restore_command(archive: str) -> None:
    """Restore ARCHIVE (from `webmap backup`) into the configured database, which must be empty."""
    from .backup import BackupError, restore_backup

    db.session.close()
    try:
        report = restore_backup(current_app.config["DATABASE_URL"], archive, _secret_key_file())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restore: {len(report.tables)} tables, {sum(report.tables.values())} rows, "
               f"revision {report.revision}, secret key {report.secret_key}")
    if not report.ok:
        raise click.ClickException(f"row counts differ from the backup: {report.mismatches}")
