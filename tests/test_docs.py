"""The guides in docs/ name pages, commands and pictures that exist.

Every `/path` in backquotes must be a route of the app (a GET route unless the text is about a
form the page posts to), every `webmap <command>` a command of the CLI, every image a file, every
link to another guide a file — so a guide cannot keep pointing at something renamed or removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from webmap.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDES = sorted(DOCS.glob("*.md"))
TASK_GUIDES = ("orienter-un-enfant", "tenir-l-annuaire", "planifier", "imprimer", "administration", "api",
               "architecture")
PATH = re.compile(r"`(/[A-Za-z0-9_./{}<>:%=&?,-]*)`")
COMMAND = re.compile(r"webmap ([a-z][a-z-]+)(?: ([a-z][a-z-]+))?")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")
LINK = re.compile(r"\]\(([a-z0-9-]+\.md)(?:#[^)]*)?\)")
# Stand-ins for the placeholders the guides write in paths.
PLACEHOLDER = re.compile(r"\{[a-zA-Z_]+\}|<[a-zA-Z_:]+>|…")
SAMPLE_ID = "00000000-0000-0000-0000-000000000001"


def _paths(text: str) -> set[str]:
    return {match.group(1) for match in PATH.finditer(text) if not match.group(1).startswith("//")}


def _route_exists(app, path: str) -> bool:
    """``path`` is a page of the app, or the start of some (``/api/v1``, ``/hsds/``)."""
    path = PLACEHOLDER.sub(SAMPLE_ID, path.split("?")[0].split("#")[0])
    if path.endswith("/") or path.count("/") <= 2:
        rules = [rule.rule for rule in app.url_map.iter_rules()]
        if any(rule.startswith(path.rstrip("/") + "/") or rule == path for rule in rules):
            return True
    adapter = app.url_map.bind("localhost")
    for method in ("GET", "POST"):
        try:
            adapter.match(path, method=method)
            return True
        except RequestRedirect:
            return True
        except (NotFound, MethodNotAllowed):
            continue
    return False


def test_every_task_guide_is_there_and_short():
    names = {guide.stem for guide in GUIDES}
    assert set(TASK_GUIDES) <= names
    for name in TASK_GUIDES:
        size = (DOCS / f"{name}.md").stat().st_size
        assert size < 20_000, f"{name}.md is {size} bytes: a guide stays short"


def test_the_readme_is_one_page_pointing_to_the_guides():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) <= 20_000
    for name in TASK_GUIDES:
        assert f"docs/{name}.md" in readme, name


# The guides and the README; the technical reference (docs/reference.md) also names files and
# folders (``/usr/bin/chromium``) and is checked by its own tests' subjects.
CHECKED = [DOCS / f"{name}.md" for name in TASK_GUIDES] + [ROOT / "README.md"]


@pytest.mark.parametrize("guide", CHECKED, ids=lambda p: p.name)
def test_pages_named_in_a_guide_exist(app, guide):
    text = guide.read_text(encoding="utf-8")
    missing = sorted(path for path in _paths(text) if not _route_exists(app, path))
    assert not missing, f"{guide.name} names routes the app does not have: {missing}"


def _code(text: str) -> str:
    """What a guide writes as code: fenced blocks and `spans` (prose may say "webmap publie…")."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return "\n".join(blocks + spans)


@pytest.mark.parametrize("guide", CHECKED, ids=lambda p: p.name)
def test_commands_named_in_a_guide_exist(guide):
    named = 0
    for match in COMMAND.finditer(_code(guide.read_text(encoding="utf-8"))):
        name, sub = match.groups()
        assert name in cli.commands, f"{guide.name}: no command `webmap {name}`"
        command = cli.commands[name]
        if sub and hasattr(command, "commands"):
            assert sub in command.commands, f"{guide.name}: no command `webmap {name} {sub}`"
        named += 1
    if guide.stem in ("administration", "tenir-l-annuaire"):
        assert named, f"{guide.name} names no command: the check would be empty"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_images_and_links_of_a_guide_exist(guide):
    text = guide.read_text(encoding="utf-8")
    for target in IMAGE.findall(text):
        assert (guide.parent / target).is_file(), f"{guide.name}: no image {target}"
    for target in LINK.findall(text):
        assert (guide.parent / target).is_file(), f"{guide.name}: no guide {target}"


def test_the_check_can_fail(app):
    assert not _route_exists(app, "/no-such-page")
    assert not _route_exists(app, "/api/v2")
    assert _route_exists(app, "/api/v1")
    assert _route_exists(app, "/directory/services/{id}")
    assert "backup" in cli.commands and "no-such-command" not in cli.commands
