"""French typography: a non-breaking space (U+00A0) before « : », « ; », « ? », « ! » and inside « guillemets ».

    python scripts/french_typography.py            # fix every French catalogue in place, list what is left
    python scripts/french_typography.py --check    # change nothing; list what needs fixing, exit 1 if anything
    python scripts/french_typography.py [--check] webmap/feeds …   # only these packages' catalogues

Run it after adding strings (then compile the catalogues, ``scripts/bootstrap.sh`` does it). It is
idempotent: a second run changes nothing.

Catalogues: every ``webmap/**/translations/fr/LC_MESSAGES/*.po``; only the translated strings
(msgstr) change, never the msgids (all msgids are English; a package with French msgids would need
its French text fixed in the code, and its catalogues' keys with it).

Code: French text written in the code (CLI messages, CSV notes, HSDS descriptions…) cannot be
fixed safely by a program; the string literals of ``webmap/``, ``layers/`` (Python) and
``webmap/static/`` (JavaScript, vendor left out) that still have a plain space before one of the
signs or inside guillemets are listed (file:line), in both modes, to fix by hand.

The rule. A plain space before the sign becomes a non-breaking one; a ``?``, ``!`` or ``;`` glued
to a word gets one, and so does a ``:`` glued to a word when a space or the end follows. A narrow
non-breaking space (U+202F) already there is kept. Left alone: URLs (``https://…?a=b``), query
strings (``?lang=fr``), times (``12:30``, and ``08:00-17:00; sam …``, the opening-hours syntax),
placeholders (``%(a)s:%(b)s``), text between backticks, and a sign not followed by a space, a
closing sign or the end. tests/test_french.py runs the check.
"""

from __future__ import annotations

import difflib
import io
import re
import sys
import tokenize
from pathlib import Path

NBSP = "\u00a0"
NNBSP = "\u202f"
ROOT = Path(__file__).resolve().parent.parent

# after a word, a closing sign, a placeholder's end or an ellipsis: an optional plain space, then the
# sign, then a space, a closing sign, a tag, a quote or the end
_SIGN = re.compile(r"(?:(?<=[\w)\]»”%*…])( ?)|^( ))([;?!:])(?=[\s»”)<\"']|$)")
_OPEN = re.compile(r"«(?![\u00a0\u202f]) ?")
_CLOSE = re.compile(r"(?<![\u00a0\u202f]) ?»")
# spans never touched: URLs, code between backticks, HTML entities (``&#34;``)
_PROTECTED = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+|`[^`]*`|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]\w*);")
_TIME_BEFORE = re.compile(r"\d:\d\d$")


def _typeset_plain(text: str) -> str:
    def sign(match: re.Match) -> str:
        space, mark = match.group(1) or match.group(2), match.group(3)
        if not space and mark == ";" and _TIME_BEFORE.search(text, 0, match.start()):
            return match.group(0)  # "08:00-17:00; sam 08:00-12:00": the opening-hours syntax
        return NBSP + mark

    text = _SIGN.sub(sign, text)
    text = _OPEN.sub("«" + NBSP, text)
    return _CLOSE.sub(NBSP + "»", text)


def typeset(text: str) -> str:
    """``text`` with the French non-breaking spaces (idempotent)."""
    out, last = [], 0
    for match in _PROTECTED.finditer(text):
        out.append(_typeset_plain(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_typeset_plain(text[last:]))
    return "".join(out)


# ------------------------------------------------------------------------------------ catalogues

def catalogues(folders: list[str]) -> list[Path]:
    roots = [ROOT / folder for folder in folders] if folders else [ROOT / "webmap"]
    found = set()
    for root in roots:
        if (root / "translations").is_dir():
            found.update((root / "translations/fr/LC_MESSAGES").glob("*.po"))
        if not folders:
            found.update(root.glob("**/translations/fr/LC_MESSAGES/*.po"))
    return sorted(found)


_PO_LINE = re.compile(r'^(?P<keyword>msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)?\s*(?P<quoted>".*")\s*$')


def _unescape(quoted: str) -> str:
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), quoted[1:-1])


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
            .replace("\r", "\\r"))


def _split_like(fixed: str, original: str, pieces: list[str]) -> list[str]:
    """``fixed`` cut where ``original`` was cut into ``pieces`` (the edits only replace or add spaces)."""
    bounds, total = [], 0
    for piece in pieces[:-1]:
        total += len(piece)
        bounds.append(total)
    moved, opcodes = [], difflib.SequenceMatcher(None, original, fixed, autojunk=False).get_opcodes()
    for bound in bounds:
        for tag, i1, i2, j1, j2 in opcodes:
            if i1 <= bound < i2 or (tag == "insert" and i1 == bound):
                moved.append(j1 + min(bound - i1, j2 - j1))
                break
        else:
            moved.append(len(fixed))
    cuts = [0, *moved, len(fixed)]
    return [fixed[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def fix_catalogue(path: Path, write: bool) -> list[str]:
    """The French strings of ``path`` that need fixing (as they are); fixed in the file when ``write``.

    The file is edited line by line (only the msgstr lines of wrong strings change), so its layout,
    header and comments stay as they are and a fix merges cleanly with strings added meanwhile.
    """
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    wrong, out, index = [], [], 0
    msgid = None
    while index < len(lines):
        match = _PO_LINE.match(lines[index])
        if not match or not match.group("keyword"):
            out.append(lines[index])
            index += 1
            continue
        keyword = match.group("keyword")
        block = [lines[index]]
        pieces = [_unescape(match.group("quoted"))]
        index += 1
        while index < len(lines) and (more := _PO_LINE.match(lines[index])) and not more.group("keyword"):
            block.append(lines[index])
            pieces.append(_unescape(more.group("quoted")))
            index += 1
        text = "".join(pieces)
        if keyword == "msgid":
            msgid = text
        if not keyword.startswith("msgstr") or not msgid or typeset(text) == text:
            out.extend(block)
            continue
        wrong.append(text)
        fixed = _split_like(typeset(text), text, pieces)
        prefix = block[0][:block[0].index('"')]
        out.extend(f'{prefix if i == 0 else ""}"{_escape(piece)}"\n' for i, piece in enumerate(fixed))
    if wrong and write:
        path.write_text("".join(out), encoding="utf-8")
    return wrong


# ------------------------------------------------------------------------------------ code

# a plain space before a sign (then a space or the end) or inside guillemets: French typed by hand
_CODE_FAULT = re.compile(r"""(?<=[\w)\]»”%*…}"'`]) [;?!:](?=[\s\\"'`]|$)|« | »""")
_JS_STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`")


def _python_literals(path: Path):
    """(line, source text) of each string literal of a Python file, docstrings left out."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    previous, opened, depth = tokenize.NEWLINE, None, 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == fstring_start:
            opened = opened or token.start
            depth += 1
        elif token.type == fstring_end:
            depth -= 1
            if depth == 0:
                (row, col), (end_row, end_col) = opened, token.end
                yield row, source[offsets[row - 1] + col:offsets[end_row - 1] + end_col]
                opened = None
        elif token.type == tokenize.STRING and depth == 0 and previous not in _STATEMENT_START:
            yield token.start[0], token.string
        if token.type not in (tokenize.COMMENT, tokenize.NL) and depth == 0:
            previous = token.type


_STATEMENT_START = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


def _js_literals(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        for match in _JS_STRING.finditer(line):
            yield number, match.group(0)


def code_faults() -> list[str]:
    """``file:line: literal`` for every string literal of the code with French typed with plain spaces."""
    faults = []
    sources = [(p, _python_literals) for base in ("webmap", "layers") for p in sorted((ROOT / base).glob("**/*.py"))]
    sources += [(p, _js_literals) for p in sorted((ROOT / "webmap/static").glob("**/*.js")) if "vendor" not in p.parts]
    for path, literals in sources:
        for number, text in literals(path):
            if _CODE_FAULT.search(text):
                faults.append(f"{path.relative_to(ROOT)}:{number}: {text[:100]}")
    return faults


def main(check: bool, folders: list[str]) -> int:
    wrong = 0
    for path in catalogues(folders):
        for text in fix_catalogue(path, write=not check):
            print(f"{path.relative_to(ROOT)}: {text}" + ("" if check else "  (fixed)"))
            wrong += check
    faults = [] if folders else code_faults()
    for fault in faults:
        print(f"{fault}  (fix by hand)")
    return 1 if wrong or faults else 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    sys.exit(main("--check" in arguments, [a for a in arguments if not a.startswith("--")]))
