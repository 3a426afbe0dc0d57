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


# French words that lose their vowel before a vowel sound: « d'Aya », « l'ONG », « qu'Odienné ».
_ELIDED = {"de": "d'", "le": "l'", "la": "l'", "que": "qu'", "ne": "n'", "je": "j'", "me": "m'", "te": "t'",
           "se": "s'", "jusque": "jusqu'", "lorsque": "lorsqu'", "puisque": "puisqu'"}
_VOWELS = frozenset("aeiou")


def _starts_with_vowel_sound(word: str) -> bool:
    """A vowel (accented or not) first; a ``y`` only before a consonant (« de Yamoussoukro »,
    « d'Yvonne »). An ``h`` is left alone: whether it is mute cannot be told from the spelling."""
    letters = fold(word).replace(" ", "")
    if not letters:
        return False
    if letters[0] in _VOWELS:
        return True
    return letters[0] == "y" and len(letters) > 1 and letters[1] not in _VOWELS


def elide(word: str, following: str) -> str:
    """``word`` then ``following``, elided as French writes it: ``elide("de", "Aya")`` is
    « d'Aya », ``elide("de", "Bouaké")`` « de Bouaké ». Other words (English "of") are kept."""
    elided = _ELIDED.get(word.lower())
    if elided and _starts_with_vowel_sound(following):
        if word[:1].isupper():
            elided = elided.capitalize()
        return f"{elided}{following}"
    return f"{word} {following}"


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
