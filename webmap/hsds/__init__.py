"""The Open Referral HSDS 3 API under ``/hsds`` (public reads, no key, CORS open).

Flask-free logic: :mod:`.mapping` (our records as HSDS objects, shared with ``/export/hsds.zip``),
:mod:`.query` (pages, objects, streams), :mod:`.openapi` (the document); :mod:`.routes` adapts.
"""

from flask import Blueprint

bp = Blueprint("hsds", __name__, url_prefix="/hsds")

from . import routes  # noqa: E402,F401
