"""Who is asking, for confidentiality decisions: the one bridge from the session to the domain."""

from __future__ import annotations

from .directory.visibility import PUBLIC, Viewer


def current_viewer() -> Viewer:
    """The viewer of the current request. Until accounts exist, everyone is the public."""
    return PUBLIC
