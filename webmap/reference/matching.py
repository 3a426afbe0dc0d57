"""Matching a typed town name to the gazetteer: spelling tolerance, usage names, population (Flask-free).

The rules (also in docs/reference.md, "Finding the origin"):

* Names are compared folded (case, accents, hyphens, apostrophes and spaces ignored: "san pedro",
  "SanPedro" and "San-Pédro" are one key).
* A typed key is compared with every name, GeoNames alternate name and authored usage name
  (``data/geo/place_aliases.toml``: "Yakro", "Ferké", "Bassam"…) of each place. Its *quality*, 0 to 1:
  1 for the name or a usage name itself; 0.9 for a GeoNames alternate name (they include
  back-transliterations, so they are trusted less); ``1 − edits / length`` for a misspelling, an
  edit being a missing, extra or wrong letter or two neighbours swapped (optimal string alignment
  distance), with at most 1 edit for names of up to 4 letters, 2 up to 8, 3 beyond; the start of a
  name (2 letters or more) is worth 0.65 plus 0.25 × the share typed,
  less 0.1 with one wrong letter in it; the start of a later word of the name 90 % of that; a
  farther spelling sharing enough letter triples is only suggested (0.6 × their Jaccard similarity).
* Candidates are ranked by *score*: quality + 0.03 × log10(population) (100 at least), so a close
  misspelling of a large town comes before a near-exact match of a small village.
* Candidates come from indexes (exact keys, starts of names, one-deletion neighbourhoods, letter
  triples), never from a scan; triples only when no candidate found otherwise reaches 0.9.
* ``choose``: the best candidate is taken when its quality is at least 0.7 and no other place
  competes: for an exact name, another place of the same name with more than a tenth of its
  population; otherwise, any other place whose quality is at least 0.75 and within 0.08 of the
  best. Competing places make an ``Ambiguity``: the caller asks the person which one.
"""

from __future__ import annotations

import functools
import heapq
import math
import threading
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from rapidfuzz.distance import OSA

from ..text import fold

ALIASES_FILE = Path(__file__).resolve().parents[2] / "data" / "geo" / "place_aliases.toml"

MATCH_KINDS = ("exact", "alias", "alternate", "prefix", "word", "typo", "partial")
ALTERNATE_QUALITY = 0.9
PREFIX_BASE, PREFIX_SPAN, PREFIX_TYPO = 0.65, 0.25, 0.1
WORD_FACTOR = 0.9
POPULATION_WEIGHT = 0.03
ACCEPT_QUALITY = 0.7  # below: the name is unknown (suggestions only)
RIVAL_QUALITY, RIVAL_MARGIN = 0.75, 0.08
LOOSE_SIMILARITY, LOOSE_FACTOR = 0.3, 0.6  # suggested only: at most 0.6, below ACCEPT_QUALITY
HOMONYM_RATIO = 10  # an exact homonym with more than 1/10 of the population competes
MAX_TRIGRAM_CANDIDATES = 60
FAR_BELOW = 0.9  # letter triples are counted only when no near candidate is this good
MAX_PREFIX_POSTINGS = 40  # per typed start: the most populous places only
MIN_ALTERNATE_LENGTH = 4  # shorter GeoNames alternates are airport or station codes ("ogo", "hgo")


def compact(text: str | None) -> str:
    return fold(text).replace(" ", "")


def max_edits(length: int) -> int:
    return 1 if length <= 4 else 2 if length <= 8 else 3


def osa_distance(a: str, b: str, bound: int) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent swaps), or ``bound + 1`` if more."""
    return OSA.distance(a, b, score_cutoff=bound)


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1:] for i in range(len(key))}


@functools.lru_cache(maxsize=32_768)  # about the number of keys: each key's set built once
def _trigrams(key: str) -> frozenset[str]:
    padded = f"  {key} "
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2))


@dataclass(frozen=True)
class Key:
    text: str  # compact
    place: int  # index into Gazetteer.places
    kind: str  # "name" | "alias" | "alternate" | "word"


@dataclass(frozen=True)
class Match:
    place: dict
    quality: float
    score: float
    match: str  # exact | alias | alternate | prefix | word | typo | partial (suggested only)


@dataclass(frozen=True)
class Ambiguity:
    candidates: list[Match]


def load_aliases(path: Path = ALIASES_FILE) -> list[dict]:
    with path.open("rb") as handle:
        return tomllib.load(handle).get("alias", [])


class Gazetteer:
    """Every place with its keys, and the indexes that find candidates without scanning them all."""

    def __init__(self, places: list[dict], aliases: list[dict]) -> None:
        self.places = places
        self.keys: list[Key] = []
        by_id = {place["id"]: i for i, place in enumerate(places)}
        for i, place in enumerate(places):
            name = compact(place["name"])
            self._add(Key(name, i, "name"))
            words = fold(place["name"]).split(" ")
            offset = len(words[0])
            for word in words[1:]:
                self._add(Key(name[offset:], i, "word"))
                offset += len(word)
            for alternate in (place.pop("alternate_key", None) or "").split("|"):
                key = alternate.replace(" ", "")
                if len(key) >= MIN_ALTERNATE_LENGTH and key != name:
                    self._add(Key(key, i, "alternate"))
        for alias in aliases:
            index = by_id.get(alias["place_id"])
            if index is not None:  # an alias of a place that this gazetteer lacks is left out
                self._add(Key(compact(alias["alias"]), index, "alias"))
        self._index()

    def _add(self, key: Key) -> None:
        if key.text:
            self.keys.append(key)

    def _index(self) -> None:
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.prefixes: dict[str, list[int]] = defaultdict(list)
        self.deletions: dict[str, list[int]] = defaultdict(list)
        self.trigrams: dict[str, list[int]] = defaultdict(list)
        population = [place["population"] or 0 for place in self.places]
        order = sorted(range(len(self.keys)), key=lambda k: -population[self.keys[k].place])
        for k in order:
            key = self.keys[k]
            for end in range(2, len(key.text) + (key.kind == "word")):
                postings = self.prefixes[key.text[:end]]
                if len(postings) < MAX_PREFIX_POSTINGS:
                    postings.append(k)
            if key.kind == "word":
                continue
            self.exact[key.text].append(k)
            for variant in _deletions(key.text):
                self.deletions[variant].append(k)
            for trigram in _trigrams(key.text):
                self.trigrams[trigram].append(k)

    def _near(self, typed: str) -> set[int]:
        """Keys equal to ``typed``, starting with it, or one edit (or one swap) away from it."""
        found: set[int] = set(self.exact.get(typed, ()))
        found.update(self.prefixes.get(typed, ()))
        for variant in {typed} | _deletions(typed):  # a swap is one deletion on each side
            found.update(self.exact.get(variant, ()))
            found.update(self.deletions.get(variant, ()))
        return found

    def _far(self, typed: str) -> list[int]:
        """Keys sharing enough letter triples with ``typed`` (two edits or more away)."""
        if len(typed) < 4:
            return []
        grams = _trigrams(typed)
        # Counted in C (``Counter`` over the chained postings): the costliest step of a search.
        shared = Counter(chain.from_iterable(self.trigrams.get(gram, ()) for gram in grams))
        floor = max(2, math.ceil(0.4 * len(grams)))
        kept = [k for k, n in shared.items() if n >= floor]
        if len(kept) > MAX_TRIGRAM_CANDIDATES:
            kept = heapq.nlargest(MAX_TRIGRAM_CANDIDATES, kept, key=shared.__getitem__)
        return kept

    def _quality(self, typed: str, key: Key) -> tuple[float, str]:
        text = key.text
        if key.kind != "word" and typed == text:
            if key.kind == "alternate":
                return ALTERNATE_QUALITY, "alternate"
            return 1.0, "exact" if key.kind == "name" else "alias"
        quality, label = 0.0, "typo"
        if key.kind != "word":
            bound = max_edits(len(text))
            edits = osa_distance(typed, text, bound)
            if edits <= bound:
                quality = 1 - edits / max(len(text), len(typed))
            else:  # too far to be taken, close enough to be suggested
                a, b = _trigrams(typed), _trigrams(text)
                similarity = len(a & b) / len(a | b)
                if similarity >= LOOSE_SIMILARITY:
                    quality, label = LOOSE_FACTOR * similarity, "partial"
        if len(typed) >= 2 and (len(text) > len(typed) or key.kind == "word" and text == typed):
            start = text[: len(typed)]
            prefix = 0.0
            if start == typed:
                prefix = PREFIX_BASE + PREFIX_SPAN * len(typed) / len(text)
            elif len(typed) >= 4 and osa_distance(typed, start, 1) <= 1:
                prefix = PREFIX_BASE + PREFIX_SPAN * len(typed) / len(text) - PREFIX_TYPO
            if key.kind == "word":
                prefix *= WORD_FACTOR
            if prefix > quality:
                quality, label = prefix, "word" if key.kind == "word" else "prefix"
        if key.kind == "alternate":
            quality *= ALTERNATE_QUALITY
        return quality, label

    def _score(self, typed: str, candidates, best: dict[int, tuple[float, str]]) -> None:
        for k in candidates:
            key = self.keys[k]
            quality, label = self._quality(typed, key)
            if quality > 0 and quality > best.get(key.place, (0.0, ""))[0]:
                best[key.place] = (quality, label)

    def search(self, text: str, limit: int = 10) -> list[Match]:
        typed = compact(text)
        if not typed:
            return []
        best: dict[int, tuple[float, str]] = {}
        self._score(typed, self._near(typed), best)
        # Farther spellings only when nothing near is this good: a rival of a name found exactly
        # or one edit away (``choose``) would be two edits away in a name of 12 letters or more,
        # so the triples, the costliest step, are not counted then.
        if max((quality for quality, _ in best.values()), default=0.0) < FAR_BELOW:
            self._score(typed, self._far(typed), best)
        matches = []
        for index, (quality, label) in best.items():
            place = self.places[index]
            score = quality + POPULATION_WEIGHT * math.log10(max(place["population"] or 0, 100))
            matches.append(Match(place, round(quality, 3), round(score, 3), label))
        matches.sort(key=lambda m: (-m.score, m.place["id"]))
        return matches[:limit]


def choose(matches: list[Match]) -> Match | Ambiguity | None:
    """The place meant, the places to ask about, or ``None`` when nothing matches well enough."""
    if not matches or matches[0].quality < ACCEPT_QUALITY:
        return None
    best = matches[0]
    if best.quality >= 1.0:  # the name (or a usage name) itself
        floor = max(best.place["population"] or 0, 0) / HOMONYM_RATIO
        rivals = [m for m in matches[1:] if m.quality >= 1.0 and max(m.place["population"] or 0, 50) > floor]
    else:
        floor = max(RIVAL_QUALITY, best.quality - RIVAL_MARGIN)
        rivals = [m for m in matches[1:] if m.quality >= floor]
    return Ambiguity([best, *rivals]) if rivals else best


_lock = threading.Lock()
_cache: dict[tuple, Gazetteer] = {}


def cached(key: tuple, build) -> Gazetteer:
    """One gazetteer per process, rebuilt when ``key`` (database and loaded data) changes."""
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    gazetteer = build()
    with _lock:
        _cache.clear()
        _cache[key] = gazetteer
    return gazetteer
