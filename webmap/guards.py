"""Input no view can use, refused before any view runs: the NUL character (400).

PostgreSQL text cannot hold NUL (psycopg refuses such a string), so a ``%00`` in a query
parameter or a form field used to fail deep inside a query with a 500. One check over every
query parameter, form field and uploaded file name answers 400 naming the parameter: JSON
(``BadParameter``) under the API paths, a page in the user's language elsewhere.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .errors import BadParameter, wants_json

NUL = "\x00"


def _nul_parameter() -> str | None:
    """The name of the first parameter or field holding a NUL character, if any."""
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sources.append(request.form)  # parsed once: the CSRF check and the view reuse it
        sources.append(MultiDict((name, f.filename or "") for name, f in request.files.items(multi=True)))
    for source in sources:
        for name, values in source.lists():
            if NUL in name or any(NUL in value for value in values):
                return name.replace(NUL, "\\0")
    return None


def refuse_nul_characters():
    name = _nul_parameter()
    if name is None:
        return None
    if wants_json():
        raise BadParameter(name, "contains a NUL character (%00), which is not accepted")
    message = _("The field or parameter “%(name)s” contains a NUL character, which is not accepted.", name=name)
    return render_template("directory/error.html", title=_("Request refused"), message=message, status=400), 400


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
