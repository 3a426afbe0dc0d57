"""A change in words, in the visitor's language: its title and one line per field."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..history.labels import field_label, format_value, value_names
from .changes import FeedChange


def title(change: FeedChange) -> str:
    name = change.service_name
    titles = {
        "create": _("New structure: %(name)s", name=name),
        "delete": _("Structure removed: %(name)s", name=name),
        "deactivate": _("Deactivated: %(name)s", name=name),
        "reactivate": _("Active again: %(name)s", name=name),
        "verify": _("Confirmed as still accurate: %(name)s", name=name),
        "approve": _("Proposed change applied: %(name)s", name=name),
        "revert": _("Change reverted: %(name)s", name=name),
    }
    return titles.get(change.action) or _("Changed: %(name)s", name=name)


def field_lines(change: FeedChange, names: dict) -> list[tuple[str, str]]:
    """(field code, the line that says what changed) for each field, in the order written."""
    lines = []
    for f in change.fields:
        resource, _sep, record_action = change.resources.get(f.entry_id, "").partition(":")
        label = _("Name of the place") if (resource, f.name) == ("location", "name") else field_label(f.name)
        old, new = (_words(f.name, value, names) for value in (f.previous, f.replacement))
        if record_action == "create" and resource == "phone":
            line = _("Phone number added: %(value)s", value=new)
        elif record_action == "delete" and resource == "phone":
            line = _("Phone number removed: %(value)s", value=old)
        elif record_action == "create":
            line = _("%(field)s: %(value)s", field=label, value=new)
        elif record_action == "delete":
            line = _("%(field)s removed: %(value)s", field=label, value=old)
        else:
            line = _("%(field)s: %(old)s → %(new)s", field=label, old=old, new=new)
        lines.append((f.name, line))
    return lines


def _words(name: str, value: str | None, names: dict) -> str:
    """A stored value as the history pages show it; any yes/no field reads as such."""
    if value in ("true", "false"):
        return _("yes") if value == "true" else _("no")
    return format_value(name, value, names)


def readable_names(session: Session, changes: list[FeedChange]) -> dict:
    """Names for the identifiers in the changes (organisations, towns, areas)."""
    return value_names(session, changes)
