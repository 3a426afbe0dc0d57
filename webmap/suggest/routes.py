"""``/suggest``: the public suggestion form (thin view over ``suggestions``)."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..limits.expensive import client_hit, client_wait
from . import bp, pages, suggestions  # noqa: F401  (pages: helpers and error pages)
from .forms import SuggestionForm

RATE_GROUP = "suggest"


def _service_id() -> uuid.UUID | None:
    raw = request.values.get("service") or ""
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _page(form: SuggestionForm, about: dict | None, errors: dict, status: int = 200):
    title = _("Report an error") if about else _("Propose a structure")
    return render_template("suggest/form.html", title=title, form=form, about=about, errors=errors), status


@bp.route("/suggest", methods=["GET", "POST"])
def form():
    service_id = _service_id()
    about = suggestions.public_view(db.session, service_id) if service_id else None
    if about is None:
        service_id = None  # unknown structure: the form proposes a new one
    form = SuggestionForm()
    form.set_choices()
    if about is None:
        form.message.label.text = _("Description")
    if request.method == "GET":
        if request.args.get("sent"):
            return render_template("suggest/sent.html", title=_("Thank you"))
        form.service.data = str(service_id) if service_id else ""
        return _page(form, about, {})
    wait = client_wait(RATE_GROUP)
    if wait is not None:
        message = _("Too many suggestions from your address. Please try again in %(minutes)d minutes.",
                    minutes=max(1, round(wait / 60)))
        return _page(form, about, {"form": message}, 429)[0], 429, {"Retry-After": str(wait)}
    if not form.validate_on_submit():
        return _page(form, about, {"form": _("The form could not be read: please send it again.")}, 400)
    if form.caught():  # a robot: thanked, and nothing is kept
        client_hit(RATE_GROUP)
        return redirect(url_for(".form", sent=1))
    suggestion, errors = suggestions.check(form.suggestion(service_id))
    if errors:
        return _page(form, about, errors, 422)
    suggestions.store(db.session, suggestion)
    db.session.commit()
    client_hit(RATE_GROUP)
    return redirect(url_for(".form", sent=1))
