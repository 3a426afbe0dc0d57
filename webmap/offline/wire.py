"""The package's bytes on the wire: compressed once per version, served as the client accepts.

Flask-Compress would compress the same megabytes again on every download; the package is
compressed here once (brotli, gzip) per version and kept with it. Flask-Compress leaves a
response that already has a ``Content-Encoding`` alone.
"""

from __future__ import annotations

import functools
import gzip

import brotli

ENCODINGS = ("br", "gzip")  # preferred first


@functools.lru_cache(maxsize=8)
def encoded(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=9)
    if encoding == "gzip":
        return gzip.compress(body, compresslevel=9, mtime=0)
    return body


def choose(accept_encoding) -> str | None:
    """The best encoding the client accepts (``request.accept_encodings``), or None for identity."""
    for encoding in ENCODINGS:
        if accept_encoding[encoding]:
            return encoding
    return None
