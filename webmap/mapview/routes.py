"""``/``: the map page. folium builds the shell; ``map.js`` loads the layers from /api/v1."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

import layers

from .. import taxonomy
from ..assets.routes import vendor_url
from . import bp, messages
from .builder import build_map, render_parts

CONFIG_ID = "webmap-config"


def _client_config() -> dict:
    config = layers.client_config(url_for)
    config.update(
        lang=str(get_locale()),
        messages=messages.rendered(),
        labels=taxonomy.vocabulary_labels(),
    )
    return config


@bp.get("/")
def index():
    config = _client_config()
    fmap = build_map(
        config["view"],
        asset_url=vendor_url,
        static_url=lambda filename: url_for("static", filename=filename),
        config_id=CONFIG_ID,
    )
    return render_template(
        "map.html",
        parts=render_parts(fmap),
        config=config,
        config_id=CONFIG_ID,
        title=_("Map of child protection assistance structures"),
    )
