"""Thin views: the exports (``/export/services.*``, ``/export/hsds.zip``) and the upload pages
(``/directory/import``: upload → column mapping → dry-run report → confirm), editors and admins."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select, update
from werkzeug.exceptions import RequestEntityTooLarge

from .. import taxonomy
from ..auth import roles
from ..auth.decorators import role_required
from ..config import PROJECT_ROOT
from ..directory.query import ServiceFilter
from ..errors import wants_json
from ..extensions import db
from ..models import Organization, Service
from ..models.transfer import ImportBatch, ImportedService
from ..viewer import current_viewer
from . import bp
from .exporters import FORMATS, MAX_EXPORT_ROWS, export_services
from .hsds import export_hsds
from .importer import commit_import, options_from_json, options_to_json, plan_import
from .limits import DEFAULT_LIMITS, ImportRejected
from .mapping import FIELDS, resolve_mapping
from .readers import FORMATS as READ_FORMATS
from .readers import read_upload
from .report import left_out_csv, report_csv
from .rows import DUPLICATE, ERROR, OK, SKIPPED, WARNING, ImportOptions
from .template import values_csv

STATUS_LABELS = {
    OK: _l("OK"),
    WARNING: _l("To check"),
    DUPLICATE: _l("Duplicate"),
    SKIPPED: _l("Left out"),
    ERROR: _l("Error"),
}



def status_count(status: str, count: int) -> str:
    """The report's summary for one status, with its plural: « 1 erreur », « 3 erreurs »."""
    forms = {
        OK: ("%(num)d row OK", "%(num)d rows OK"),
        WARNING: ("%(num)d warning", "%(num)d warnings"),
        DUPLICATE: ("%(num)d duplicate", "%(num)d duplicates"),
        SKIPPED: ("%(num)d left out", "%(num)d left out"),
        ERROR: ("%(num)d error", "%(num)d errors"),
    }
    singular, plural = forms[status]
    return ngettext(singular, plural, count)


PENDING_FOR = dt.timedelta(days=1)
TEMPLATE_CSV = PROJECT_ROOT / "data" / "templates" / "services_template.csv"


# --- exports ------------------------------------------------------------------------------------


def export_filters(args) -> ServiceFilter:
    """The directory list's filters (same parameters, same defaults), every page at once."""
    from ..directory.filters import parse_list_filters  # one parser for the list and its exports

    filters, _choices, _page = parse_list_filters(db.session, args)
    return dataclasses.replace(filters, limit=MAX_EXPORT_ROWS, offset=0)


def _download(content: bytes, filename: str, mimetype: str, private: bool) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    if private:
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response


def _register_export(fmt: str) -> None:
    def view():
        viewer = current_viewer()
        export = export_services(db.session, fmt, export_filters(request.args), viewer)
        return _download(export.content, export.filename, FORMATS[fmt].mimetype,
                         private=viewer.can_see_confidential)

    view.__name__ = f"export_{fmt.replace('.', '_')}"
    bp.add_url_rule(f"/export/services.{fmt}", endpoint=view.__name__, view_func=view, methods=["GET"])


for _fmt in FORMATS:
    _register_export(_fmt)


@bp.get("/export/hsds.zip")
def export_hsds_zip():
    viewer = current_viewer()
    export = export_hsds(db.session, export_filters(request.args), viewer)
    return _download(export.content, export.filename, export.mimetype, private=viewer.can_see_confidential)


# --- import pages -------------------------------------------------------------------------------


def _own_organizations() -> list[Organization]:
    if roles.is_admin(current_user):
        return []
    return list(current_user.organizations)


def _batch(batch_id: uuid.UUID) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.created_by != str(current_user.id):
        abort(404)
    return batch


def _expire_pending() -> None:
    cutoff = dt.datetime.now(dt.UTC) - PENDING_FOR
    db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.status == "pending", ImportBatch.created_at < cutoff)
        .values(status="cancelled", content=None)
    )


def _form_context(**extra) -> dict:
    return {
        "title": _("Import services"),
        "categories": taxonomy.labels(taxonomy.CATEGORIES),
        "own_organizations": _own_organizations(),
        "formats": READ_FORMATS,
        "limits": DEFAULT_LIMITS,
        "max_rows": format_decimal(DEFAULT_LIMITS.max_rows),
        **extra,
    }


@bp.app_errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    """A request beyond the app's caps, refused before it is read: the forms' own message, in the
    user's language (the upload: ``MAX_CONTENT_LENGTH``; one form field: ``MAX_FORM_MEMORY_SIZE``)."""
    length = request.content_length
    if length is None or length > current_app.config["MAX_CONTENT_LENGTH"]:
        message = _("The file is too large; the limit is %(limit)d MB.",
                    limit=DEFAULT_LIMITS.max_bytes // (1024 * 1024))
    else:
        message = _("A field of the form is too large: at most %(limit)s kB.",
                    limit=format_decimal(current_app.config["MAX_FORM_MEMORY_SIZE"] // 1000))
    if wants_json():
        return jsonify(error="request too large", detail=message), 413
    if request.path.startswith("/directory/import") and current_user.is_authenticated:
        return render_template("transfer/upload.html", **_form_context(form={}, error=message)), 413
    return render_template("directory/error.html", title=_("Request refused"), message=message,
                           status=413, back=request.path), 413


@bp.route("/directory/import", methods=["GET", "POST"])
@role_required(roles.EDITOR)
def import_upload():
    if request.method == "GET":
        return render_template("transfer/upload.html", **_form_context(form={}))
    upload = request.files.get("file")
    form = request.form
    if upload is None or not upload.filename:
        return render_template("transfer/upload.html",
                               **_form_context(form=form, error=_("Choose a file."))), 400
    data = upload.read()  # the request itself is capped by MAX_CONTENT_LENGTH
    options, error = _options_from_form(form)
    if error is None:
        try:
            table = read_upload(data, upload.filename, DEFAULT_LIMITS)
        except ImportRejected as exc:
            error = exc.message
    if error is not None:
        return render_template("transfer/upload.html", **_form_context(form=form, error=error)), 422
    _expire_pending()
    batch = ImportBatch(
        created_by=str(current_user.id),
        filename=upload.filename[:255],
        format=table.format,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        options=options_to_json(options),
        status="pending",
    )
    db.session.add(batch)
    db.session.commit()
    return redirect(url_for("transfer.import_preview", batch_id=batch.id))


def _options_from_form(form) -> tuple[ImportOptions, str | None]:
    options = ImportOptions(
        source=(form.get("source") or "").strip() or None,
        category=form.get("category") or None,
        as_candidates=form.get("as_candidates") == "1",
        allow_fallback=roles.is_admin(current_user),
    )
    if options.category and options.category not in taxonomy.CATEGORIES:
        return options, _("Unknown category.")
    own = _own_organizations()
    if own:
        chosen = form.get("organization_id") or (str(own[0].id) if len(own) == 1 else "")
        allowed = {str(org.id): org.id for org in own}
        if chosen not in allowed:
            return options, _("Choose one of your organizations.")
        options.organization_id = allowed[chosen]
    else:
        options.organization = (form.get("organization") or "").strip() or None
    return options, None


@bp.get("/directory/import/<uuid:batch_id>")
@role_required(roles.EDITOR)
def import_preview(batch_id: uuid.UUID):
    batch = _batch(batch_id)
    report = error = table = None
    mapping: dict[str, str] = {}
    created = []
    if batch.status == "committed":
        created = db.session.execute(
            select(ImportedService.row_number, Service.id, Service.name)
            .join(Service, Service.id == ImportedService.service_id)
            .where(ImportedService.batch_id == batch.id)
            .order_by(ImportedService.row_number)
        ).all()
    if batch.status == "pending":
        options = options_from_json(batch.options)
        try:
            table = read_upload(batch.content, batch.filename)
            mapping = resolve_mapping(table.columns, options.mapping)
            report = plan_import(db.session, table, options, batch.filename)
            mapping = report.mapping
        except ImportRejected as exc:
            error = exc.message
        db.session.rollback()  # the dry run writes nothing; be sure of it
    return render_template(
        "transfer/preview.html",
        title=_("Import: check before confirming") if batch.status == "pending" else _("Import"),
        categories=taxonomy.labels(taxonomy.CATEGORIES),
        batch=batch,
        table=table,
        report=report,
        mapping=mapping,
        error=error,
        created=created,
        fields={code: str(f.label) for code, f in FIELDS.items()},
        statuses=STATUS_LABELS,
        status_count=status_count,
        show_all=request.args.get("show") == "all",
    )


@bp.get("/directory/import/<uuid:batch_id>/report.csv")
@role_required(roles.EDITOR)
def import_report_csv(batch_id: uuid.UUID):
    """Every row of the pending import's dry-run report, as the page shows them."""
    batch = _batch(batch_id)
    if batch.status != "pending":
        abort(404)
    try:
        report = plan_import(db.session, read_upload(batch.content, batch.filename),
                             options_from_json(batch.options), batch.filename)
    except ImportRejected as exc:
        abort(422, exc.message)
    finally:
        db.session.rollback()  # the dry run writes nothing; be sure of it
    header = [_("Row"), _("Result"), _("Name"), _("Category"), _("Town"), _("Why")]
    content = report_csv(report, header, STATUS_LABELS, taxonomy.labels(taxonomy.CATEGORIES))
    return _download(content, "webmap-rapport-import.csv", "text/csv; charset=utf-8", private=True)


@bp.post("/directory/import/<uuid:batch_id>/mapping")
@role_required(roles.EDITOR)
def import_mapping(batch_id: uuid.UUID):
    batch = _batch(batch_id)
    if batch.status != "pending":
        abort(409)
    mapping = {}
    for key, value in request.form.items():
        if key.startswith("col:"):
            if value and value not in FIELDS:
                abort(400)
            mapping[key[4:]] = value
    batch.options = {**batch.options, "mapping": mapping}
    db.session.commit()
    flash(_("Column mapping applied: check the report again."), "info")
    return redirect(url_for("transfer.import_preview", batch_id=batch.id))


@bp.post("/directory/import/<uuid:batch_id>/commit")
@role_required(roles.EDITOR)
def import_commit(batch_id: uuid.UUID):
    batch = _batch(batch_id)
    if batch.status != "pending":
        abort(409)
    try:
        table = read_upload(batch.content, batch.filename)
    except ImportRejected as exc:
        flash(exc.message, "error")
        return redirect(url_for("transfer.import_preview", batch_id=batch.id))
    options = options_from_json(batch.options)
    options.skip_invalid = request.form.get("skip_invalid") == "1"
    batch.options = options_to_json(options)
    report = commit_import(db.session, table, options, batch.filename, batch=batch,
                           actor=str(current_user.id))
    if not report.committed:
        db.session.rollback()
        flash(_("Nothing was imported: fix the rows in error and upload the file again."), "error")
        return redirect(url_for("transfer.import_preview", batch_id=batch_id))
    db.session.commit()
    flash(ngettext("%(num)d structure imported, marked \"to be verified\".",
                   "%(num)d structures imported, all marked \"to be verified\".", len(report.created)), "success")
    if report.errors:
        flash(ngettext("%(num)d row in error was left out.", "%(num)d rows in error were left out.",
                       len(report.errors)), "info")
    return redirect(url_for("transfer.import_preview", batch_id=batch_id))


@bp.get("/directory/import/<uuid:batch_id>/left-out.csv")
@role_required(roles.EDITOR)
def import_left_out_csv(batch_id: uuid.UUID):
    """The rows a committed import left out (in error, duplicates), to fix and import again."""
    batch = _batch(batch_id)
    if batch.status != "committed" or not (batch.report or {}).get("left_out"):
        abort(404)
    content = left_out_csv(batch.report.get("columns") or [], batch.report["left_out"])
    return _download(content, "webmap-lignes-a-corriger.csv", "text/csv; charset=utf-8", private=True)


@bp.post("/directory/import/<uuid:batch_id>/cancel")
@role_required(roles.EDITOR)
def import_cancel(batch_id: uuid.UUID):
    batch = _batch(batch_id)
    if batch.status == "pending":
        batch.status = "cancelled"
        batch.content = None
        db.session.commit()
    flash(_("Import cancelled: nothing was written."), "info")
    return redirect(url_for("transfer.import_upload"))


@bp.get("/directory/imports")
@role_required(roles.EDITOR)
def import_history():
    batches = db.session.scalars(
        select(ImportBatch)
        .where(ImportBatch.created_by == str(current_user.id))
        .order_by(ImportBatch.created_at.desc())
        .limit(50)
    ).all()
    return render_template("transfer/history.html", title=_("My imports"), batches=batches)


@bp.get("/directory/import/template.csv")
@role_required(roles.EDITOR)
def import_template():
    content = TEMPLATE_CSV.read_bytes()
    return _download(content, "webmap-modele-import.csv", "text/csv; charset=utf-8", private=False)


@bp.get("/directory/import/values.csv")
@role_required(roles.EDITOR)
def import_values():
    """Every value the import accepts, field by field: the template's second file."""
    return _download(values_csv(), "webmap-valeurs-acceptees.csv", "text/csv; charset=utf-8", private=False)
