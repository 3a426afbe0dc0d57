"""`webmap backup` and `webmap restore` for real: pg_dump of the test database (its committed
reference data, seed directory and history), restored into a new empty database, compared table
by table and on one record's history."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from webmap.backup import MANIFEST_NAME, table_counts

WEBMAP = str(Path(sys.executable).with_name("webmap"))


def _webmap(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test"}
    return subprocess.run([WEBMAP, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture()
def empty_database(database_url):
    """A new database with the extensions and nothing else, dropped afterwards."""
    url = make_url(database_url)
    name = f"{url.database}_restore"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = url.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(target)
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    engine.dispose()
    try:
        yield target
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _history(database_url: str, resource_id: str) -> list[tuple]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(
                text("SELECT * FROM audit_entry WHERE resource_id = :id ORDER BY id"), {"id": resource_id})]
    finally:
        engine.dispose()


def _a_service_with_history(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT s.id::text FROM service s JOIN audit_entry a ON a.resource_id = s.id::text "
                "GROUP BY s.id ORDER BY count(*) DESC, s.id LIMIT 1")).scalar_one()
    finally:
        engine.dispose()


def test_backup_then_restore_into_an_empty_database_gives_the_same_data(database_url, empty_database, tmp_path):
    archive = tmp_path / "sauvegarde.tar"
    made = _webmap(database_url, "backup", "-o", str(archive))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # exact shelter positions inside
    with tarfile.open(archive) as tar:
        assert {"manifest.json", "database.dump"} <= set(tar.getnames())
        manifest = json.load(tar.extractfile(MANIFEST_NAME))
    source = table_counts(database_url)
    assert manifest["tables"] == source and source["service"] > 0 and source["admin_area"] == 666

    restored = _webmap(empty_database, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert table_counts(empty_database) == source
    record = _a_service_with_history(database_url)
    history = _history(database_url, record)
    assert history and _history(empty_database, record) == history
    # The restored database is one the app runs on: its schema is at the same revision.
    assert f"revision {manifest['alembic_revision']}" in restored.stdout
    assert _webmap(empty_database, "db", "upgrade").returncode == 0


def test_restore_refuses_a_database_that_is_not_empty(database_url, tmp_path):
    archive = tmp_path / "sauvegarde.tar"
    assert _webmap(database_url, "backup", "-o", str(archive)).returncode == 0
    before = table_counts(database_url)
    refused = _webmap(database_url, "restore", str(archive))
    assert refused.returncode != 0
    assert "n'est pas vide" in refused.stderr and "rien n'a été modifié" in refused.stderr
    assert table_counts(database_url) == before


def test_a_damaged_archive_restores_nothing(database_url, empty_database, tmp_path):
    archive = tmp_path / "sauvegarde.tar"
    assert _webmap(database_url, "backup", "-o", str(archive)).returncode == 0
    damaged = tmp_path / "abimee.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "database.dump":
                data = data[:-100] + bytes(100)
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    refused = _webmap(empty_database, "restore", str(damaged))
    assert refused.returncode != 0 and "abîmée" in refused.stderr
    assert table_counts(empty_database) == {}
    assert _webmap(empty_database, "restore", str(tmp_path / "absente.tar")).returncode != 0


def test_backup_never_overwrites_an_archive(database_url, tmp_path):
    archive = tmp_path / "sauvegarde.tar"
    archive.write_bytes(b"keep me")
    refused = _webmap(database_url, "backup", "-o", str(archive))
    assert refused.returncode != 0 and "existe déjà" in refused.stderr
    assert archive.read_bytes() == b"keep me"
