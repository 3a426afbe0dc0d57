"""Directory upkeep by the people who know, without an account, under moderation.

* ``/suggest``: a public report of an error on a structure, or a proposed new structure
  (``suggestions``), waiting in the moderation queue (``/directory/proposals``) until an admin or
  an editor of the structure's organization accepts it through the directory form, or rejects it
  with a reason;
* ``/verify/<token>``: a structure's self-verification link (``links``) to confirm its record or
  send corrections; made one by one (``/directory/services/<id>/verification-links``) or for a
  whole campaign of stale structures (``/directory/verification``, ``campaign``), with a CSV for
  mass messaging.
"""

from flask import Blueprint

bp = Blueprint("suggest", __name__)

from . import moderation, routes, verify_routes  # noqa: E402,F401
