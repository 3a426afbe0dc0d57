"""French typography in the French catalogues: a non-breaking space before « : », « ; », « ? », « ! ».

    python scripts/french_typography.py [FOLDER...]          # fix the French catalogues (default: all)
    python scripts/french_typography.py --check [FOLDER...]  # list the strings to fix, exit 1 if any

FOLDER: a package whose ``translations/fr`` catalogue to take (``webmap/feeds``, ``webmap``).

Only the translated strings change (msgstr), never the msgids. A space before the sign becomes a
non-breaking one; a ``?``, ``!`` or ``;`` glued to a word gets one. Left alone: signs inside
URLs and query strings (``?lang=fr``), times (``12:30``), and placeholders (``%(a)s:%(b)s``).
tests/test_french.py runs the check.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

NBSP = "\u00a0"
ROOT = Path(__file__).resolve().parent.parent
# a plain space (or none, for ? ! ;) between a word, a closing sign or a placeholder and the sign,
# the sign being followed by a space, a closing sign, a line end or the end of the string
_RULE = re.compile(r"(?<=[\w)»”%*])( ?)([;?!])(?=[\s»”)<]|$)|(?<=[\w)»”*]) (:)(?=[\s»”<]|$)")


def typeset(text: str) -> str:
    def space(match: re.Match) -> str:
        sign = match.group(2) or match.group(3)
        return NBSP + sign

    return _RULE.sub(space, text)


def catalogues(folders: list[str]) -> list[Path]:
    if folders:
        return [ROOT / folder / "translations/fr/LC_MESSAGES/messages.po" for folder in folders]
    return sorted(ROOT.glob("webmap/**/translations/fr/LC_MESSAGES/messages.po"))


def _strings(message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def main(check: bool, folders: list[str]) -> int:
    wrong = []
    for path in catalogues(folders):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="fr")
        changed = False
        for message in catalog:
            if not message.id:
                continue
            fixed = tuple(typeset(s) for s in _strings(message))
            if fixed != _strings(message):
                wrong.append((path.relative_to(ROOT), _strings(message)[0]))
                message.string = fixed[0] if isinstance(message.string, str) else fixed
                changed = True
        if changed and not check:
            with path.open("wb") as handle:
                write_po(handle, catalog, width=120)
    for path, text in wrong:
        print(f"{path}: {text}")
    return 1 if wrong and check else 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    sys.exit(main("--check" in arguments, [a for a in arguments if not a.startswith("--")]))
