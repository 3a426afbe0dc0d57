"""Read a page's form as a browser would submit it: its action and its fields' current values."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted = action
        self.inside = False
        self.found: list[tuple[str, str]] = []
        self.action: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None and (self.wanted is None or a.get("action") == self.wanted):
            self.inside, self.action = True, a.get("action")
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.found.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.found.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [v for v, _s in self._options[:1]]
            self.found += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            for newline in ("\r\n", "\n"):  # the one a browser drops after <textarea>
                if text.startswith(newline):
                    text = text[len(newline):]
                    break
            self.found.append((self._textarea, text))
            self._textarea = None


def read_form(page: str, action: str | None = None) -> dict[str, str | list[str]]:
    """The fields of the first form (whose ``action`` is ``action``, when given) as submitted:
    a name given several times (checkboxes) maps to the list of its values."""
    reader = _FormReader(action)
    reader.feed(page)
    assert reader.action is not None, f"no form with action {action!r}"
    fields: dict[str, str | list[str]] = {}
    for name, value in reader.found:
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = value
    return fields
