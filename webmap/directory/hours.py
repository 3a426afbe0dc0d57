"""Opening hours: the text people type, the weekly ranges stored, and "open now" (Flask-free).

The text (form, import column ``horaires``, exports) is a list of entries separated by ``;``
or new lines, each entry days then one or more time ranges::

    lun-ven 08:00-17:00; sam 08:00-12:00
    lun, mer 09:00-12:00 14:00-17:00
    24h/24                      (every day, all day)
    sam-dim 24h/24              (those days, all day)
    lun-ven 20:00-06:00         (overnight: closes the next morning)

Days are French or English names or abbreviations (``lun``/``lundi``/``mon``…), lists
(``lun, mer``) and ranges (``lun-ven``, ``lun au ven``), or ``tous les jours``/``7j/7``. Times
are ``08:00``, ``8h``, ``8h30``; ``24:00`` is midnight ("du lundi au vendredi de 8h à 17h"
reads too). Every range is one HSDS ``schedule`` row (``freq`` WEEKLY, ``byday``
``MO,TU,…``, ``opens_at``, ``closes_at``): a ``closes_at`` not after ``opens_at`` closes the
next day, equal times mean 24 hours (stored 00:00-00:00). Times are Africa/Abidjan local time
(UTC+0 all year).

:func:`status` says whether a service is open at a moment and when it opens next;
``webmap.referral.nearest`` filters ``open_now`` in SQL with the same rule.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .validation import InvalidValue

TIMEZONE = ZoneInfo("Africa/Abidjan")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # HSDS byday codes; index = date.weekday()
_DAY_WORDS = (
    ("lun", "lundi", "mon", "monday"),
    ("mar", "mardi", "tue", "tues", "tuesday"),
    ("mer", "mercredi", "wed", "wednesday"),
    ("jeu", "jeudi", "thu", "thur", "thurs", "thursday"),
    ("ven", "vendredi", "fri", "friday"),
    ("sam", "samedi", "sat", "saturday"),
    ("dim", "dimanche", "sun", "sunday"),
)
DAY_BY_WORD = {word: index for index, words in enumerate(_DAY_WORDS) for word in words}
SHORT_DAYS = tuple(words[0] for words in _DAY_WORDS)  # what the text form writes
_EVERY_DAY = re.compile(r"^(?:tous les jours|tlj|7\s*j?\s*/\s*7|every ?day|daily)$")
_ALL_DAY = re.compile(r"^24\s*h?\s*/\s*24$|^24\s*h$")
_ALWAYS = re.compile(r"^24\s*h?\s*/\s*24(?:\s*(?:,|et)?\s*7\s*j?\s*/\s*7)?$|^24\s*h$")
_TIME = r"(\d{1,2})(?:\s*[:h]\s*(\d{2})?)?"
_RANGE = re.compile(_TIME + r"\s*(?:-|a|to)\s*" + _TIME)
_RANGE_GAP = re.compile(r"^[\s,/]*(?:et|and)?[\s,/]*$")
_DAY_RANGE = re.compile(r"\s*(?:-|\bau\b|\ba\b|\bto\b)\s*")
_DAY_LIST = re.compile(r"\s*(?:,|/|\bet\b|\band\b)\s*")
_ENTRY_SEPARATORS = re.compile(r"\s*[;\n]\s*")
MIDNIGHT = dt.time(0, 0)
WEEK_SECONDS = 7 * 86_400


@dataclass(frozen=True, order=True)
class Opening:
    """One weekly range: on each of ``days`` (0 = Monday) from ``opens`` to ``closes``."""

    days: tuple[int, ...]
    opens: dt.time
    closes: dt.time

    @property
    def byday(self) -> str:
        return ",".join(DAYS[d] for d in self.days)

    @property
    def all_day(self) -> bool:
        return self.opens == self.closes

    @property
    def seconds(self) -> int:
        """How long it stays open: up to the next day's ``closes`` when that is not later."""
        span = _seconds(self.closes) - _seconds(self.opens)
        return span if span > 0 else span + 86_400


def _seconds(moment: dt.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _plain(text: str) -> str:
    """Lower case without accents (``à`` → ``a``), dashes made one, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", bare.replace("–", "-").replace("—", "-")).strip()


def from_byday(byday: str) -> tuple[int, ...]:
    return tuple(sorted(DAYS.index(code) for code in byday.split(",") if code in DAYS))


# --- reading the text ------------------------------------------------------------------------------


def _day(word: str, original: str) -> int:
    index = DAY_BY_WORD.get(word.rstrip("."))
    if index is None:
        raise InvalidValue(
            _("opening hours: “%(value)s” is not a day (days: %(days)s).",
              value=original, days=", ".join(SHORT_DAYS))
        )
    return index


def _days(text: str, entry: str) -> tuple[int, ...]:
    if not text:
        raise InvalidValue(
            _("opening hours: “%(entry)s”: say the days before the times, e.g. “lun-ven 08:00-17:00”.",
              entry=entry)
        )
    if _EVERY_DAY.match(text):
        return tuple(range(7))
    days: set[int] = set()
    for part in _DAY_LIST.split(text):
        if not part:
            continue
        ends = [end for end in _DAY_RANGE.split(re.sub(r"^(?:du|le|from|on)\s+", "", part)) if end]
        if len(ends) == 1:
            days.add(_day(ends[0], part))
        elif len(ends) == 2:
            first, last = (_day(end, part) for end in ends)
            span = (last - first) % 7
            days.update((first + i) % 7 for i in range(span + 1))  # "ven-lun" wraps over the weekend
        else:
            raise InvalidValue(_("opening hours: “%(value)s” is not a day (days: %(days)s).",
                                 value=part, days=", ".join(SHORT_DAYS)))
    return tuple(sorted(days))


def _clock(hours: str, minutes: str | None, closing: bool, original: str) -> dt.time:
    h, m = int(hours), int(minutes or 0)
    if closing and h == 24 and m == 0:
        return MIDNIGHT
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise InvalidValue(_("opening hours: “%(value)s” is not a time (00:00 to 24:00).", value=original))
    return dt.time(h, m)


def _ranges(text: str, entry: str) -> list[tuple[dt.time, dt.time]]:
    if _ALL_DAY.match(text):
        return [(MIDNIGHT, MIDNIGHT)]
    ranges: list[tuple[dt.time, dt.time]] = []
    position = 0
    for match in _RANGE.finditer(text):
        if not _RANGE_GAP.match(text[position:match.start()]):
            break
        original = match.group(0)
        opens = _clock(match.group(1), match.group(2), False, original)
        closes = _clock(match.group(3), match.group(4), True, original)
        if opens == closes and not (opens == MIDNIGHT):
            raise InvalidValue(
                _("opening hours: “%(value)s” opens and closes at the same time.", value=original)
            )
        ranges.append((opens, closes))
        position = match.end()
    if not ranges or not _RANGE_GAP.match(text[position:]):
        raise InvalidValue(
            _("opening hours: “%(entry)s”: expected times such as 08:00-17:00 (or 24h/24).", entry=entry)
        )
    return ranges


def parse_hours(text: str | None) -> list[Opening]:
    """The openings ``text`` describes (empty: not known); ``InvalidValue`` names what is wrong."""
    openings: set[Opening] = set()
    for raw in _ENTRY_SEPARATORS.split((text or "").strip()):
        entry = raw.strip()
        if not entry:
            continue
        plain = _plain(entry)
        if _ALWAYS.match(plain):
            openings.add(Opening(tuple(range(7)), MIDNIGHT, MIDNIGHT))
            continue
        digit = re.search(r"\d", plain)
        every_day = re.match(r"^7\s*j?\s*/\s*7\b", plain)
        if every_day:  # "7j/7 08:00-20:00": the days contain digits
            days, times = tuple(range(7)), plain[every_day.end():].strip()
        elif digit is None:
            raise InvalidValue(
                _("opening hours: “%(entry)s”: expected times such as 08:00-17:00 (or 24h/24).", entry=entry)
            )
        else:
            days_text = re.sub(r"(?:^|\s)(?:de|from)$", "", plain[:digit.start()].strip(" ,:")).strip(" ,:")
            days, times = _days(days_text, entry), plain[digit.start():]
        for opens, closes in _ranges(times, entry):
            openings.add(Opening(days, opens, closes))
    return sorted(openings, key=lambda o: (o.days[0], o.days, o.opens, o.closes))


# --- writing it back -------------------------------------------------------------------------------


def _runs(days: tuple[int, ...]) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][1] + 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(a, b) for a, b in runs]


def _days_text(days: tuple[int, ...]) -> str:
    parts = []
    for first, last in _runs(days):
        if last - first >= 2:
            parts.append(f"{SHORT_DAYS[first]}-{SHORT_DAYS[last]}")
        else:
            parts.extend(SHORT_DAYS[d] for d in range(first, last + 1))
    return ", ".join(parts)


def _hhmm(moment: dt.time, closing: bool = False) -> str:
    return "24:00" if closing and moment == MIDNIGHT else moment.strftime("%H:%M")


def _grouped(openings: list[Opening]) -> list[tuple[tuple[int, ...], list[Opening]]]:
    groups: dict[tuple[int, ...], list[Opening]] = {}
    for opening in sorted(openings, key=lambda o: (o.days[0], o.days, o.opens)):
        groups.setdefault(opening.days, []).append(opening)
    return list(groups.items())


def always_open(openings: list[Opening]) -> bool:
    full = {d for o in openings if o.all_day for d in o.days}
    return full == set(range(7))


def format_hours(openings: list[Opening]) -> str:
    """The text :func:`parse_hours` reads back to the same openings ("" when not known)."""
    if always_open(openings) and all(o.all_day for o in openings):
        return "24h/24"
    entries = []
    for days, group in _grouped(openings):
        times = " ".join(
            "24h/24" if o.all_day else f"{_hhmm(o.opens)}-{_hhmm(o.closes, closing=True)}" for o in group
        )
        entries.append(f"{_days_text(days)} {times}")
    return "; ".join(entries)


def _locale():
    from flask_babel import get_locale

    try:
        return get_locale()
    except RuntimeError:  # outside a request or app
        return None


# Every phrase results show, translated once per language and process (``_phrases``): a
# Flask-Babel lookup costs about 0.1 ms, and a search puts several results in words.
_PHRASES = {
    "range": _l("%(first)s to %(last)s"),
    "entry": _l("%(days)s: %(times)s"),
    "join": _l("; "),
    "all_day": _l("24 hours"),
    "always_words": _l("24 hours a day, 7 days a week"),
    "always": _l("Open 24 hours a day"),
    "closes_today": _l("Open now — closes at %(time)s"),
    "closes_on": _l("Open now — closes %(day)s at %(time)s"),
    "opens": _l("Closed — opens %(day)s at %(time)s"),
    "not_recorded": _l("Opening hours not recorded"),
}


@functools.lru_cache(maxsize=8)
def _phrases(locale) -> tuple[dict[str, str], tuple[str, ...]]:
    """The phrases and the day names (Monday first) in ``locale``, the current request's (None
    outside an app: the English msgids, English day names)."""
    names = get_day_names("wide", locale=locale or "en")
    return {key: str(phrase) for key, phrase in _PHRASES.items()}, tuple(names[i] for i in range(7))


def not_recorded() -> str:
    """What a result says when its hours are not known (never a status)."""
    return _phrases(_locale())[0]["not_recorded"]


def day_names(locale=None) -> tuple[str, ...]:
    """Monday first, in the current language (``lundi``… in French)."""
    if locale is not None:
        names = get_day_names("wide", locale=locale)
        return tuple(names[i] for i in range(7))
    return _phrases(_locale())[1]


def hours_words(openings: list[Opening]) -> str:
    """The openings in words, e.g. "lundi au vendredi : 08:00–17:00 ; samedi : 08:00–12:00"."""
    if not openings:
        return ""
    phrases, names = _phrases(_locale())
    if always_open(openings) and all(o.all_day for o in openings):
        return phrases["always_words"]
    entries = []
    for days, group in _grouped(openings):
        parts = []
        for first, last in _runs(days):
            if last - first >= 2:
                parts.append(phrases["range"] % {"first": names[first], "last": names[last]})
            else:
                parts.extend(names[d] for d in range(first, last + 1))
        times = ", ".join(
            phrases["all_day"] if o.all_day else f"{_hhmm(o.opens)}–{_hhmm(o.closes, closing=True)}" for o in group
        )
        entries.append(phrases["entry"] % {"days": ", ".join(parts), "times": times})
    return phrases["join"].join(entries)


# --- open now? ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """Whether a service is open at ``moment`` (Abidjan time), and the next change."""

    code: str  # "always" | "open" | "closed"
    label: str
    closes_at: dt.datetime | None = None  # open: when it closes
    opens_at: dt.datetime | None = None  # closed: when it opens next

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
        }


def local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Africa/Abidjan time (a naive moment is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(TIMEZONE)


def _intervals(openings: list[Opening]) -> list[tuple[int, int]]:
    """(start, length) in seconds from Monday 00:00, one per opening day."""
    return [(d * 86_400 + _seconds(o.opens), o.seconds) for o in openings for d in o.days]


def _inside(intervals: list[tuple[int, int]], second: int) -> tuple[int, int] | None:
    for start, length in intervals:
        if (second - start) % WEEK_SECONDS < length:
            return start, length
    return None


def is_open(openings: list[Opening], moment: dt.datetime) -> bool:
    at = local(moment)
    second = at.weekday() * 86_400 + at.hour * 3600 + at.minute * 60 + at.second
    return _inside(_intervals(openings), second) is not None


def status(openings: list[Opening], moment: dt.datetime) -> Status | None:
    """None when the hours are not known (never a guess)."""
    if not openings:
        return None
    phrases, names = _phrases(_locale())
    if always_open(openings):
        return Status("always", phrases["always"])
    at = local(moment).replace(microsecond=0)
    second = at.weekday() * 86_400 + at.hour * 3600 + at.minute * 60 + at.second
    intervals = _intervals(openings)
    current = _inside(intervals, second)
    if current is not None:
        # Ranges that follow one another ("08:00-12:00 12:00-17:00") close at the last one's end.
        end = second + current[1] - (second - current[0]) % WEEK_SECONDS
        for _step in range(len(intervals) + 1):
            following = _inside(intervals, end % WEEK_SECONDS)
            if following is None:
                break
            end += following[1] - (end - following[0]) % WEEK_SECONDS
        else:  # ranges chained all round the week
            return Status("always", phrases["always"])
        closes = at + dt.timedelta(seconds=end - second)
        if closes.date() == at.date():
            label = phrases["closes_today"] % {"time": closes.strftime("%H:%M")}
        else:
            label = phrases["closes_on"] % {"day": names[closes.weekday()], "time": closes.strftime("%H:%M")}
        return Status("open", label, closes_at=closes)
    wait = min((start - second) % WEEK_SECONDS for start, _length in intervals)
    opens = at + dt.timedelta(seconds=wait)
    label = phrases["opens"] % {"day": names[opens.weekday()], "time": opens.strftime("%H:%M")}
    return Status("closed", label, opens_at=opens)


def clock_parameters(moment: dt.datetime) -> dict:
    """The SQL filter's parameters for "open at ``moment``": its day, the day before, its time."""
    at = local(moment)
    return {
        "open_day": DAYS[at.weekday()],
        "open_previous_day": DAYS[(at.weekday() - 1) % 7],
        "open_time": at.time().replace(microsecond=0, tzinfo=None),
    }
