"""Who is asking, for confidentiality decisions: the one bridge from the session to the domain.

Signed-in referral staff, editors and admins (``auth.roles.can_see_confidential``) see
confidential positions and addresses; everyone else — and any code running outside a request,
such as a CLI export — is the public.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import has_request_context

if TYPE_CHECKING:
    from .directory.visibility import Viewer


def current_viewer() -> Viewer:
    """The viewer of the current request."""
    # Imported here: this module is imported by the directory package itself (no import cycle).
    from flask_login import current_user

    from .auth.roles import can_see_confidential
    from .directory.visibility import PUBLIC, Viewer

    if has_request_context() and can_see_confidential(current_user):
        return Viewer(can_see_confidential=True)
    return PUBLIC
