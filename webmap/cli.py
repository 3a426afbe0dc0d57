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
