"""Automatic change recording: every flush writes field-level ``audit_entry`` rows.

A listener on SQLAlchemy's ``Session`` (installed once by :func:`install`) looks, after each
flush, at the new, modified and deleted instances of audited classes — the directory tables
(organization, location, service, phone, service_at_location) and any mapped class declaring
``__audited__ = True`` — and inserts one entry per changed column with the old and new value.
Rows are written with a Core insert on the flush's own connection, so they commit or roll back
with the change itself.

Who did it comes from ``session.info`` (see :func:`set_actor`): the request sets it for a
signed-in user, the CLI and the import set a label. :func:`audit_context` marks the kind of
change (``deactivate``, ``verify``, ``revert``...) and an optional note for the next flushes.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import ClauseElement, event, insert, inspect, select
from sqlalchemy.orm import Mapper, Session

from ..models import AuditEntry, Base
from . import codec

# Tables recorded without opting in; any other mapped class opts in with ``__audited__ = True``.
DEFAULT_AUDITED = frozenset({"organization", "location", "service", "phone", "service_at_location"})
# Never recorded: identifiers, timestamps and values derived from other columns.
SKIPPED_FIELDS = frozenset({"id", "created_at", "updated_at", "name_key"})
# The column tying a dependent record to the record whose history shows it.
DEFAULT_PARENTS = {"phone": ("service_id", "location_id", "organization_id"),
                   "service_at_location": ("service_id",)}
SYSTEM = "system"

ACTOR_ID = "actor_id"
ACTOR_NAME = "actor_name"
_ACTION = "audit_action"
_NOTE = "audit_note"
_REVERTS = "audit_reverts"
_CHANGE = "audit_change_id"
_EXPRESSIONS = "audit_expressions"

_installed = False
_instrumented: set[type] = set()


def is_audited(cls: type) -> bool:
    return bool(getattr(cls, "__audited__", False)) or getattr(cls, "__tablename__", None) in DEFAULT_AUDITED


def set_actor(session: Session, user_id: uuid.UUID | None, name: str) -> None:
    """Record the following changes of ``session`` as made by ``name`` (account ``user_id``)."""
    session.info[ACTOR_ID] = user_id
    session.info[ACTOR_NAME] = name


@contextlib.contextmanager
def audit_context(
    session: Session, action: str | None = None, note: str | None = None, reverts: int | None = None
) -> Iterator[None]:
    """Label the entries flushed inside the block (``action`` overrides create/update/delete)."""
    saved = {key: session.info.get(key) for key in (_ACTION, _NOTE, _REVERTS)}
    session.info.update({_ACTION: action, _NOTE: note, _REVERTS: reverts})
    try:
        yield
        session.flush()
    finally:
        session.info.update(saved)


def _noop(target, value, oldvalue, initiator):
    return value


def _instrument(mapper: Mapper, cls: type) -> None:
    """Make every column of an audited class load its old value before it is replaced."""
    if cls in _instrumented or not is_audited(cls):
        return
    _instrumented.add(cls)
    for attr in mapper.column_attrs:
        event.listen(getattr(cls, attr.key), "set", _noop, active_history=True)


def _resource_id(mapper: Mapper, obj) -> str:
    return ",".join(str(value) for value in mapper.primary_key_from_instance(obj))


def _parent_id(cls: type, values: dict) -> str | None:
    names = getattr(cls, "__audit_parent__", None)
    names = (names,) if isinstance(names, str) else names or DEFAULT_PARENTS.get(cls.__tablename__, ())
    for name in names:
        if values.get(name) is not None:
            return str(values[name])
    return None


def _stored(session: Session, mapper: Mapper, obj, attr, value):
    """The value as stored: a SQL expression (``func.now()``...) is read back from the row."""
    if not isinstance(value, ClauseElement):
        return value
    column = attr.columns[0]
    where = [pk == ident for pk, ident in zip(mapper.primary_key, mapper.primary_key_from_instance(obj), strict=True)]
    return session.connection().execute(select(column).where(*where)).scalar()


def _unloaded(session: Session, mapper: Mapper, obj, state) -> dict:
    """The columns of a just-inserted row that the instance does not hold, in one query."""
    attrs = [a for a in mapper.column_attrs if a.key not in state.dict and a.key not in SKIPPED_FIELDS]
    if not attrs:
        return {}
    ident = mapper.primary_key_from_instance(obj)
    where = [pk == value for pk, value in zip(mapper.primary_key, ident, strict=True)]
    row = session.connection().execute(select(*(a.columns[0] for a in attrs)).where(*where)).one()
    return {a.key: value for a, value in zip(attrs, row, strict=True)}


def _entries(session: Session, obj, kind: str) -> list[dict]:
    state = inspect(obj)
    mapper = state.mapper
    cls = mapper.class_
    # A labelled block (revert, verify...) names its updates; records it creates or deletes stay so.
    action = (session.info.get(_ACTION) or kind) if kind == "update" else kind
    fields: list[tuple[str, str | None, str | None]] = []
    current: dict = {}
    unloaded: dict | None = None
    expressions = session.info.get(_EXPRESSIONS, {}).get(state, {})
    for attr in mapper.column_attrs:
        key = attr.key
        column_type = attr.columns[0].type
        if key in state.dict:
            current[key] = state.dict[key]
        if key in SKIPPED_FIELDS:
            continue
        if kind == "update" and key in expressions:  # set to a SQL expression: read the result
            old = codec.serialize(column_type, expressions[key])
            new = codec.serialize(column_type, _stored(session, mapper, obj, attr, attr.columns[0]))
            if old == new:
                continue
        elif kind == "update":
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = codec.serialize(column_type, history.deleted[0] if history.deleted else None)
            added = _stored(session, mapper, obj, attr, history.added[0]) if history.added else None
            new = codec.serialize(column_type, added)
            if old == new:
                continue
        else:
            if key in state.dict:
                raw = _stored(session, mapper, obj, attr, state.dict[key])
            elif kind == "create":  # set by a SQL expression or a server default: read it back
                if unloaded is None:
                    unloaded = _unloaded(session, mapper, obj, state)
                raw = unloaded.get(key)
            else:
                continue
            value = codec.serialize(column_type, raw)
            if value is None:
                continue
            old, new = (None, value) if kind == "create" else (value, None)
        fields.append((key, old, new))
    if not fields:
        return []
    change_id = session.info.setdefault(_CHANGE, uuid.uuid4())
    common = {
        "change_id": change_id,
        "resource_id": _resource_id(mapper, obj),
        "resource_type": mapper.local_table.name,
        "parent_id": _parent_id(cls, current),
        "last_action_type": action,
        "updated_by": (session.info.get(ACTOR_NAME) or SYSTEM)[:250],
        "actor_id": session.info.get(ACTOR_ID),
        "reverts_id": session.info.get(_REVERTS),
        "note": session.info.get(_NOTE),
    }
    return [
        {**common, "field_name": key, "previous_value": old, "replacement_value": new}
        for key, old, new in fields
    ]


def _before_flush(session: Session, _flush_context, _instances) -> None:
    """Note the old values of columns being set to SQL expressions: the flush forgets them."""
    pending: dict = {}
    for obj in session.dirty:
        if not is_audited(type(obj)):
            continue
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if history.added and isinstance(history.added[0], ClauseElement):
                pending.setdefault(state, {})[attr.key] = history.deleted[0] if history.deleted else None
    session.info[_EXPRESSIONS] = pending


def _after_flush(session: Session, _flush_context) -> None:
    rows: list[dict] = []
    for kind, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if is_audited(type(obj)):
                rows.extend(_entries(session, obj, kind))
    session.info.pop(_EXPRESSIONS, None)
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def _end_of_change(session: Session, *_args) -> None:
    session.info.pop(_CHANGE, None)


def install() -> None:
    """Listen on every ``Session`` (idempotent); call once the models are imported."""
    global _installed
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    for mapper in Base.registry.mappers:
        _instrument(mapper, mapper.class_)
    if _installed:
        return
    _installed = True
    event.listen(Mapper, "mapper_configured", _instrument)
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _end_of_change)
    event.listen(Session, "after_rollback", _end_of_change)
