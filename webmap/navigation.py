"""The site's navigation: one list, showing only the pages whose blueprint is registered."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

NAV_ITEMS = (
    ("map.index", _l("Map")),
    ("referral.index", _l("Refer a child")),
    ("directory.index", _l("Directory")),
    ("planning.index", _l("Planning")),
    ("export.print_page", _l("Print")),
)


def _nav_items() -> dict:
    available = current_app.view_functions
    return {"nav_items": [(endpoint, str(label)) for endpoint, label in NAV_ITEMS if endpoint in available]}


def init_app(app: Flask) -> None:
    app.context_processor(_nav_items)
