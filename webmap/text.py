"""Text folding shared by storage and search, so "odienne" finds "Odiénné"."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-'’_.,/]+")


def fold(text: str | None) -> str:
    """Lower-case, strip accents and collapse separators (hyphens, apostrophes, spaces) to one space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


def _accent_table() -> tuple[str, str]:
    """The accented Latin letters (U+00C0..U+017F) and the letters ``fold`` turns them into."""
    accented, plain = [], []
    for code in range(0xC0, 0x180):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char.casefold()) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base != char:
            accented.append(char)
            plain.append(base)
    return "".join(accented), "".join(plain)


_ACCENTED, _PLAIN = _accent_table()


def fold_sql(column):
    """SQL: ``fold`` of a text column for the letters of French and other Latin scripts
    (lower case, accents stripped, separators collapsed), for columns without a stored key."""
    from sqlalchemy import func

    lowered = func.translate(func.lower(column), _ACCENTED, _PLAIN)
    return func.btrim(func.regexp_replace(lowered, r"[\s\-'’_.,/]+", " ", "g"))
