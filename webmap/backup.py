"""Backup and restore of a webmap installation (Flask-free; the ``webmap backup|restore`` commands).

A backup is one tar archive:

* ``database.dump`` — ``pg_dump --format=custom`` of the whole database (directory, accounts,
  history, planning, reference geodata);
* ``files/secret_key`` — the ``var/secret_key`` file ``make run`` generated, when there is one
  (signed cookies and links stay valid after a restore); the only thing webmap keeps outside the
  database that cannot be rebuilt (the geodata cache under ``var/geodata`` is rebuilt from the
  manifest's sources);
* ``manifest.json`` — format, date, Alembic revision, the dump's SHA-256 and the row count of
  every table, which the restore checks.

The archive holds exact positions of confidential shelters and password hashes: it is written
readable by its owner only and named ``…-CONFIDENTIEL-…``.

A restore goes into an **empty** database only (a database holding tables is refused, nothing is
touched), in one transaction (``pg_restore --single-transaction --exit-on-error``), then compares
every table's row count with the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

FORMAT = "webmap-backup/1"
DUMP_NAME = "database.dump"
MANIFEST_NAME = "manifest.json"
SECRET_NAME = "files/secret_key"
# Tables PostGIS owns: present in every database with the extension, never ours to count.
EXTENSION_TABLES = frozenset({"spatial_ref_sys"})


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in French."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    revision: str | None
    tables: dict[str, int]
    files: tuple[str, ...]


@dataclass
class RestoreReport:
    revision: str | None
    tables: dict[str, int]
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (expected, found)
    secret_key: str = "absent"  # "absent" | "written" | "kept" (an existing file was left alone)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL (``postgresql+psycopg://…``) as the libpq URL pg_dump understands."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} est introuvable\u00a0: installez le paquet postgresql-client "
                          "(make run le fait sur Debian/Ubuntu).")
    return path


def table_counts(database_url: str) -> dict[str, int]:
    """Rows of every table of the public schema (PostGIS's own tables left out)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            names = sorted(set(inspect(connection).get_table_names()) - EXTENSION_TABLES)
            return {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                    for name in names}
    finally:
        engine.dispose()


def _revision(counts: dict[str, int], database_url: str) -> str | None:
    if "alembic_version" not in counts:
        return None
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version ORDER BY 1")).scalars()
            return ",".join(rows) or None
    finally:
        engine.dispose()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_backup_path(directory: Path, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    return directory / f"webmap-backup-CONFIDENTIEL-{stamp}.tar"


def create_backup(database_url: str, destination: Path, secret_key_file: Path | None = None,
                  now: dt.datetime | None = None) -> BackupReport:
    """Write the backup archive ``destination`` (see the module docstring)."""
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} existe déjà\u00a0: choisissez un autre nom.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    counts = table_counts(database_url)
    if not counts:
        raise BackupError("la base de données ne contient aucune table\u00a0: rien à sauvegarder.")
    revision = _revision(counts, database_url)
    with tempfile.TemporaryDirectory(prefix="webmap-backup-") as work:
        dump = Path(work) / DUMP_NAME
        result = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}",
             f"--dbname={libpq_url(database_url)}"],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump a échoué\u00a0: {result.stderr.strip()}")
        files = []
        if secret_key_file is not None and Path(secret_key_file).is_file():
            files.append(SECRET_NAME)
        manifest = {
            "format": FORMAT,
            "created_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
            "alembic_revision": revision,
            "dump_sha256": _sha256(dump),
            "tables": counts,
            "files": files,
        }
        manifest_path = Path(work) / MANIFEST_NAME
        manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        partial = destination.with_name(destination.name + ".partiel")
        old_umask = os.umask(0o077)
        try:
            with tarfile.open(partial, "w") as archive:
                archive.add(manifest_path, MANIFEST_NAME)
                archive.add(dump, DUMP_NAME)
                if files:
                    archive.add(secret_key_file, SECRET_NAME)
            partial.chmod(0o600)
            partial.rename(destination)  # never a half-written archive under the final name
        finally:
            os.umask(old_umask)
            partial.unlink(missing_ok=True)
    return BackupReport(destination, revision, counts, tuple(files))


def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r") as archive:
            member = archive.extractfile(MANIFEST_NAME)
            manifest = json.loads(member.read().decode("utf-8")) if member else None
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"{archive_path} n'est pas une sauvegarde webmap lisible ({exc}).") from None
    if not manifest or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} n'est pas une sauvegarde webmap ({FORMAT}).")
    return manifest


def restore_backup(database_url: str, archive_path: Path, secret_key_file: Path | None = None) -> RestoreReport:
    """Restore ``archive_path`` into the empty database ``database_url`` (see the module docstring)."""
    archive_path = Path(archive_path)
    manifest = read_manifest(archive_path)
    present = table_counts(database_url)
    if present:
        raise BackupError(
            f"la base de destination n'est pas vide ({len(present)} tables, dont {', '.join(list(present)[:3])})"
            "\u00a0: restaurez dans une base vide (createdb, puis CREATE EXTENSION postgis)\u00a0; "
            "rien n'a été modifié."
        )
    with tempfile.TemporaryDirectory(prefix="webmap-restore-") as work, tarfile.open(archive_path, "r") as archive:
        archive.extractall(work, members=[m for m in archive.getmembers() if m.name in {DUMP_NAME, SECRET_NAME}],
                           filter="data")
        dump = Path(work) / DUMP_NAME
        if not dump.is_file() or _sha256(dump) != manifest["dump_sha256"]:
            raise BackupError("la sauvegarde est abîmée (empreinte SHA-256 du fichier de la base différente)\u00a0; "
                              "rien n'a été modifié.")
        result = subprocess.run(
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
             f"--dbname={libpq_url(database_url)}", str(dump)],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore a échoué, rien n'a été restauré\u00a0: {result.stderr.strip()}")
        secret_state = "absent"
        secret = Path(work) / SECRET_NAME
        if secret.is_file() and secret_key_file is not None:
            target = Path(secret_key_file)
            if target.exists():
                secret_state = "kept"
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                old_umask = os.umask(0o077)
                try:
                    shutil.copyfile(secret, target)
                finally:
                    os.umask(old_umask)
                secret_state = "written"
    found = table_counts(database_url)
    expected = manifest["tables"]
    mismatches = {name: (expected.get(name, 0), found.get(name, 0))
                  for name in sorted(set(expected) | set(found)) if expected.get(name, 0) != found.get(name, 0)}
    return RestoreReport(manifest.get("alembic_revision"), found, mismatches, secret_state)
