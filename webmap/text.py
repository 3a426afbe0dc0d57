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
