"""Planning: prevention campaigns, at-risk zones, coverage gaps and service deserts.

* :mod:`.vocabulary` — themes, channels, risk kinds and levels, "shelter-type" categories
* :mod:`.analysis` — Flask-free coverage table, priority list and service desert (PostGIS)
* :mod:`.service` — reading campaigns and risk zones as GeoJSON; saving campaigns
* :mod:`.riskzones` — the reference risk zones of ``data/geo/risk_zones.toml`` (computed/loaded)
* :mod:`.demo` — demonstration campaigns (``webmap demo``), always labelled DÉMO
* :mod:`.routes` — thin views: ``/planning``, ``/api/v1/campaigns``, ``/api/v1/risk-zones``,
  ``/api/v1/coverage``, ``/planning/priorities.json``, ``/planning/service-desert.geojson``, CSV export

The blueprint ``bp`` lives in :mod:`.routes` and is resolved lazily here: the models import
:mod:`.vocabulary`, which must not drag the views (and so the models) into a circular import.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name == "bp":
        from .routes import bp

        return bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
