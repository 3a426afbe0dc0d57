"""What the suggestion pages share: the directory's template helpers, errors shown as pages, and
the headers of pages reached through a token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import make_response, render_template
from flask_babel import gettext as _

from ..directory.routes import template_helpers
from ..errors import WebmapError
from ..extensions import db
from . import bp

bp.context_processor(template_helpers)


@bp.errorhandler(WebmapError)
def _domain_error(exc: WebmapError):
    db.session.rollback()
    return render_template("directory/error.html", title=_("Error"), message=exc.error, status=exc.status), exc.status


# A token in the address: not sent on to other sites, not kept by browsers or proxies, not indexed.
TOKEN_PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


def token_page(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers.update(TOKEN_PAGE_HEADERS)
        return response

    return wrapped
