"""``webmap import FILE``: the same dry run and all-or-nothing commit as the upload page."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..extensions import db

STATUS_LABELS = {"ok": "ok", "warning": "attention", "duplicate": "doublon", "skipped": "ignorée",
                 "error": "ERREUR"}


@click.command("import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report every row; write nothing.")
@click.option("--mapping", "-m", "mapping", multiple=True, metavar="COLUMN=FIELD",
              help="Map a column to a field (repeatable); COLUMN= ignores the column.")
@click.option("--source", help="Source for rows without one (e.g. 'Liste DPE, mars 2024').")
@click.option("--organization", help="Organization for rows without one.")
@click.option("--category", help="Category code for rows without one.")
@click.option("--as-candidates", is_flag=True,
              help="Unverified candidates: approximate positions, a 'to be verified' note.")
@click.option("--skip-invalid", is_flag=True,
              help="Write the valid rows and leave out the rows in error (default: write nothing "
                   "when any row is in error).")
@click.option("--left-out", "left_out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --skip-invalid: write the rows left out (errors, duplicates) to this CSV "
                   "file, to fix and import again.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the report.")
@click.option("--all-rows", is_flag=True, help="List every row, not only those with remarks.")
def import_command(file: Path, dry_run: bool, mapping: tuple[str, ...], source: str | None,
                   organization: str | None, category: str | None, as_candidates: bool, skip_invalid: bool,
                   left_out: Path | None, lang: str, all_rows: bool) -> None:
    """Import services from FILE (CSV, GeoJSON, GeoPackage or zipped Shapefile)."""
    from ..history import set_actor
    from .importer import import_file  # pyogrio and GDAL load only for this command
    from .limits import ImportRejected
    from .mapping import parse_mapping_pairs
    from .rows import ImportOptions

    session = db.session
    set_actor(session, None, "webmap import (CLI)")
    with force_locale(lang):
        try:
            options = ImportOptions(source=source, organization=organization, category=category,
                                    as_candidates=as_candidates, skip_invalid=skip_invalid,
                                    mapping=parse_mapping_pairs(mapping))
            report = import_file(session, file.read_bytes(), file.name, options, dry_run=dry_run,
                                 actor="cli")
        except ImportRejected as exc:
            session.rollback()
            raise click.ClickException(exc.message) from None
        _print(report, all_rows)
        if report.committed:
            session.commit()
            click.echo(f"import\u00a0: {len(report.created)} service(s) créé(s) — lot {report.batch_id}")
            if report.errors:
                click.echo(f"import\u00a0: {len(report.errors)} ligne(s) en erreur laissée(s) de côté.")
            _write_left_out(report, left_out)
            return
        session.rollback()
        if report.errors and not report.skip_invalid:
            raise click.ClickException(
                f"{len(report.errors)} ligne(s) en erreur\u00a0: rien n'a été importé."
            )
        if dry_run:
            click.echo(f"essai\u00a0: {len(report.to_write)} service(s) seraient créés\u00a0; rien n'a été écrit.")
        else:
            click.echo("import\u00a0: aucune ligne à importer.")


def _write_left_out(report, path: Path | None) -> None:
    from .report import left_out_csv, left_out_rows

    rows = left_out_rows(report)
    if not rows:
        return
    numbers = ", ".join(str(r["row"]) for r in rows)
    click.echo(f"import\u00a0: ligne(s) laissée(s) de côté\u00a0: {numbers}.")
    if path is not None:
        path.write_bytes(left_out_csv(list(report.mapping), rows))
        click.echo(f"import\u00a0: lignes à corriger écrites dans {path} (à corriger puis réimporter).")


def _print(report, all_rows: bool) -> None:
    from .mapping import field_label
    from .rows import ERROR, OK

    click.echo(f"{report.filename} — {report.format}, {len(report.rows)} ligne(s)")
    for note in report.notes:
        click.echo(f"  · {note}")
    used = {column: code for column, code in report.mapping.items() if code}
    click.echo("  colonnes\u00a0: " + ", ".join(f"{c} → {field_label(code)}" for c, code in used.items()))
    for row in report.rows:
        if row.status == OK and not all_rows:
            continue
        label = STATUS_LABELS[row.status]
        name = f" «\u00a0{row.name}\u00a0»" if row.name else ""
        text = " ".join(row.messages)
        links = " ".join(f"/directory/services/{d.service_id}" for d in row.duplicates if d.service_id)
        line = f"  {row.number:>5} {label:<9}{name} {text} {links}".rstrip()
        click.echo(click.style(line, fg="red") if row.status == ERROR else line)
    counts = report.counts
    click.echo("  bilan\u00a0: " + ", ".join(f"{STATUS_LABELS[k]} {v}" for k, v in counts.items()))
