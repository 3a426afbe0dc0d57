"""The app's clock: the moment opening hours are read at ("open now", "opens Monday at 08:00").

Injectable for tests and demonstrations: ``app.config["WEBMAP_CLOCK"]``, a function returning
an aware ``datetime``; by default the system's time in UTC (Côte d'Ivoire keeps UTC all year).
"""

from __future__ import annotations

import datetime as dt

from flask import current_app


def now() -> dt.datetime:
    clock = current_app.config.get("WEBMAP_CLOCK")
    return clock() if clock is not None else dt.datetime.now(dt.UTC)
