"""Change history: automatic field-level recording of every write, and revert of one entry.

``install()`` (called by ``create_app``) puts the recorder on every SQLAlchemy ``Session``;
``set_actor(session, user_id, name)`` says who is writing; ``audit_context`` labels a change.
"""

from .recorder import SYSTEM, audit_context, install, is_audited, set_actor

__all__ = ["SYSTEM", "audit_context", "install", "is_audited", "set_actor"]
