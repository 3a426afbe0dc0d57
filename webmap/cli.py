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
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
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
