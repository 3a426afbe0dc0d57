"""The data version, and answers kept in memory while it stays the same (Flask-free).

The database keeps the version (migration ``0011``, table ``data_version``): a counter bumped
when a transaction that wrote to the directory (organisations, services, locations, their
links, phones, the gazetteer) commits, whatever wrote — forms, imports, the seed, raw SQL. Within
a transaction that has written and not committed yet (a test, a request reading what it has just
written), the transaction-local setting ``webmap.data_write`` changes with every write statement;
the version a connection reads is the pair of both, so a cache never serves what that
connection's own writes have changed either.

``VersionedCache`` holds values computed from the directory for one version at a time. The
version is read *before* the values are: a value is therefore never older than the version it is
stored under (a write committed in between gives newer values under the older version, replaced
at the next request, which reads the new version).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import psycopg
from sqlalchemy import func, literal_column, select

from .models import DataVersion

V = TypeVar("V")

Version = tuple[str, int, str]  # (database, committed version, this transaction's last write)

_VERSION_SQL = "SELECT version, coalesce(current_setting('webmap.data_write', true), '') FROM data_version"


_databases: weakref.WeakKeyDictionary[psycopg.Connection, str] = weakref.WeakKeyDictionary()


def _database(connection: psycopg.Connection) -> str:
    """Which database ``connection`` reads (asked of libpq once per connection)."""
    name = _databases.get(connection)
    if name is None:
        info = connection.info
        name = _databases[connection] = f"{info.host}:{info.port}/{info.dbname}"
    return name


def current(connection: psycopg.Connection) -> Version:
    """The data version as ``connection`` sees it (one indexed read of one row)."""
    committed, pending = connection.execute(_VERSION_SQL, prepare=True).fetchone()
    return version_of(connection, committed, pending)


# The version an ETag is computed from (``webmap.httpcache``): the counter, the moment it last
# moved (a database created again starts its counter again, at another moment) and this
# transaction's last write. The same on a streaming replica as on its primary.
_ETAG_SQL = (
    "SELECT version, extract(epoch FROM changed_at)::text, "
    "coalesce(current_setting('webmap.data_write', true), '') FROM data_version"
)


def etag_version(connection: psycopg.Connection) -> tuple[int, str, str]:
    """(counter, when it moved, this transaction's last write): one read of one row."""
    return tuple(connection.execute(_ETAG_SQL, prepare=True).fetchone())


def version_of(connection: psycopg.Connection, committed: int, pending: str) -> Version:
    """The version from the two ``columns`` a statement of ``connection`` returned."""
    return (_database(connection), committed, pending)


def columns() -> tuple:
    """The version as two columns (``data_version``, ``data_write``) that a statement can return
    with its rows, so that reading the version costs no statement (nor round trip) of its own:
    the nearest search's (``webmap.referral.nearest``). Read once per statement (an InitPlan)."""
    committed = select(DataVersion.version).scalar_subquery().label("data_version")
    pending = func.coalesce(
        func.current_setting(literal_column("'webmap.data_write'"), literal_column("true")), literal_column("''")
    ).label("data_write")
    return committed, pending


class VersionedCache(Generic[V]):
    """At most ``maxsize`` values (least recently used dropped first) for one data version,
    shared by the threads of a process; every value is dropped when the version changes."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._version: Version | None = None
        self._values: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, version: Version, key: Hashable) -> tuple[bool, V | None]:
        """(found, value) for ``key`` at ``version``."""
        with self._lock:
            if version != self._version:
                self._version = version
                self._values.clear()
                return False, None
            if key not in self._values:
                return False, None
            self._values.move_to_end(key)
            return True, self._values[key]

    def put(self, version: Version, key: Hashable, value: V) -> None:
        with self._lock:
            if version != self._version:
                return  # another thread has seen another version meanwhile: keep its values
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.maxsize:
                self._values.popitem(last=False)

    def get_or_compute(self, version: Version, key: Hashable, compute: Callable[[], V]) -> V:
        found, value = self.get(version, key)
        if found:
            return value  # type: ignore[return-value]
        value = compute()
        self.put(version, key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._version = None
            self._values.clear()
