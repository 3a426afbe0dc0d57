"""Languages a service is offered in (HSDS ``language``): one authored vocabulary (Flask-free).

People type names in French or English, with or without accents, or codes ("français, dioula",
"fra; bci", "English"). Each language is stored by its French name with its ISO 639-3 code
where one names it exactly. Bété and Sénoufo are groups of languages, each with several ISO
639-3 codes: "bété" and "sénoufo" are kept without a code (saying which one is not guessed), and
the specific languages can be named (bété de Daloa ``bev``, de Gagnoa ``btg``, de Guiberoua
``bet``; sénoufo cebaara ``sef``, nyarafolo ``sev``, supyire ``spp``). A search for a group
finds its members too. Codes: SIL International, ISO 639-3 code tables.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from .validation import InvalidValue


@dataclass(frozen=True)
class LanguageName:
    name: str  # French, as shown and stored
    code: str | None  # ISO 639-3, when one code names exactly this language
    english: str
    synonyms: tuple[str, ...] = ()
    group: str | None = None  # the group (bété, sénoufo) it belongs to


LANGUAGES: tuple[LanguageName, ...] = (
    LanguageName("français", "fra", "French", ("fr", "francais")),
    LanguageName("anglais", "eng", "English", ("en",)),
    LanguageName("dioula", "dyu", "Dyula", ("jula", "dyula", "djoula")),
    LanguageName("baoulé", "bci", "Baoulé", ("baoule", "baule")),
    LanguageName("agni", "any", "Anyin", ("anyi", "anyin")),
    LanguageName("attié", "ati", "Attié", ("atie", "akye")),
    LanguageName("gouro", "goa", "Guro", ("guro",)),
    LanguageName("dan (yacouba)", "dnj", "Dan", ("dan", "yacouba", "yakouba")),
    LanguageName("abron", "abr", "Abron", ("brong",)),
    LanguageName("lobi", "lob", "Lobi"),
    LanguageName("mooré", "mos", "Mooré", ("moore", "more", "mossi")),
    LanguageName("arabe", "ara", "Arabic", ("arabic",)),
    LanguageName("bété", None, "Bété", ("bete",)),
    LanguageName("bété de Daloa", "bev", "Daloa Bété", ("daloa bete",), group="bété"),
    LanguageName("bété de Gagnoa", "btg", "Gagnoa Bété", ("gagnoa bete",), group="bété"),
    LanguageName("bété de Guiberoua", "bet", "Guiberoua Béte", ("guiberoua bete",), group="bété"),
    LanguageName("sénoufo", None, "Senufo", ("senoufo", "senufo", "siena")),
    LanguageName("sénoufo cebaara", "sef", "Cebaara Senoufo", ("cebaara", "tiebaara"), group="sénoufo"),
    LanguageName("sénoufo nyarafolo", "sev", "Nyarafolo Senoufo", ("nyarafolo",), group="sénoufo"),
    LanguageName("sénoufo supyire", "spp", "Supyire Senoufo", ("supyire",), group="sénoufo"),
)
BY_NAME = {language.name: language for language in LANGUAGES}
_SEPARATORS = re.compile(r"\s*(?:[,;/\n|]|\bet\b|\band\b)\s*")


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s\-'’()]+", " ", bare).strip()


_LOOKUP: dict[str, LanguageName] = {}
for _language in LANGUAGES:
    for _word in (_language.name, _language.english, _language.code or "", *_language.synonyms):
        if _word:
            _LOOKUP.setdefault(_key(_word), _language)


def find_language(text: str) -> LanguageName | None:
    return _LOOKUP.get(_key(text or ""))


def parse_languages(text: str | None) -> list[LanguageName]:
    """The languages ``text`` lists, in its order, once each; ``InvalidValue`` for an unknown one."""
    found: dict[str, LanguageName] = {}
    for part in _SEPARATORS.split((text or "").strip()):
        if not part:
            continue
        language = find_language(part)
        if language is None:
            raise InvalidValue(
                _("languages: “%(value)s” is not a known language (known: %(known)s).",
                  value=part, known=", ".join(language.name for language in LANGUAGES))
            )
        found.setdefault(language.name, language)
    return list(found.values())


def format_languages(names: list[str]) -> str:
    """The text :func:`parse_languages` reads back (stored French names, in their order)."""
    return ", ".join(names)


def matching_names(language: LanguageName) -> list[str]:
    """The stored names a search for ``language`` finds: itself, and a group's members."""
    return [language.name] + [other.name for other in LANGUAGES if other.group == language.name]
