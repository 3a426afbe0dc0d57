"""Printed maps kept on disk, rendered once per data version and options (Flask-free).

A national atlas takes tens of seconds of CPU; the same atlas asked again, with the directory
unchanged, is the same file. :class:`RenderCache` keeps rendered files in one directory
(``WEBMAP_RENDER_CACHE_DIR``, ``var/render-cache`` by default), named by a digest of everything
the file depends on (:func:`render_key`: the data version, the code's release, the options, the
language, the printed date). So a write to the directory, a new release or another day gives
another name, and the old files are only left to age out.

* **Size cap** (``WEBMAP_RENDER_CACHE_MB``): after each new file, the least recently used files
  (by modification time, which a hit renews) are removed until the total fits.
* **Several workers and servers** may share the directory: a file is written to a temporary
  name in the same directory then renamed (``os.replace``, atomic), so a reader sees the whole
  file or none; two workers rendering the same key at once both write, the last rename wins,
  and both files are the same.
* Only the **public's** renders are kept (the caller's decision): a staff print may show
  confidential places and must never be served to anyone else.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

SUFFIX = ".render"


def render_key(*parts: object) -> str:
    """A file name from ``parts`` (their ``repr``: dataclasses, tuples, dates and strings)."""
    return hashlib.sha256("\x1f".join(map(repr, parts)).encode()).hexdigest()


class RenderCache:
    def __init__(self, directory: str | os.PathLike, max_bytes: int) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            os.utime(path)  # recently used: the last to be evicted
        except FileNotFoundError:
            pass  # evicted meanwhile by another worker: the bytes read are whole all the same
        return data

    def put(self, key: str, data: bytes) -> None:
        if not self.enabled or len(data) > self.max_bytes:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.evict()

    def evict(self) -> None:
        """Remove the least recently used files until the total is within the cap."""
        entries = []
        for path in self.directory.glob(f"*{SUFFIX}"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            entries.append((stat.st_mtime_ns, stat.st_size, path))
        total = sum(size for _mtime, size, _path in entries)
        for _mtime, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size

    def get_or_render(self, key: str, render: Callable[[], bytes]) -> tuple[bytes, bool]:
        """(the file, whether it came from the cache)."""
        if self.enabled:
            data = self.get(key)
            if data is not None:
                return data, True
        data = render()
        self.put(key, data)
        return data, False
