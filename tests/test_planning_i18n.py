"""The planning catalogue is complete in French, and the chart escapes what it draws."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from webmap.planning.analysis import CoverageRow
from webmap.planning.chart import ChartLabels, coverage_svg

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "webmap" / "planning" / "translations"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}


def _msgids_in_code() -> set[str]:
    found = set()
    for folder, method in (("webmap/planning", "python"), ("layers", "python"), ("templates/planning", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, [(pattern, method)], keywords=KEYWORDS,
            options_map={pattern: {"extensions": "jinja2.ext.i18n"}} if method == "jinja2" else None,
        ):
            if folder == "layers" and "planning" not in _filename:
                continue
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_planning_string_has_a_french_translation():
    with open(CATALOGUES / "fr" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalogue = read_po(fh)
    translated = {m.id: m.string for m in catalogue if m.id}
    untranslated = sorted(mid for mid in _msgids_in_code() if not translated.get(mid))
    assert untranslated == []
    assert translated["At-risk zones"] == "Zones à risque"
    assert translated["Service desert"] == "Désert de services"


def test_compiled_catalogues_exist():
    for lang in ("fr", "en"):
        assert (CATALOGUES / lang / "LC_MESSAGES" / "messages.mo").is_file()


def _row(name, share, demo=None):
    return CoverageRow(
        pcode="X" + name, name=name, parent=None, population_2014=1, risk_zones=1, risk_area_km2=1.0,
        covered_km2=share or 0.0, covered_share=share, campaigns=0, demo_campaigns=0, people_reached=0,
        reached_per_1000=0.0, shelter_km=None, social_centre_km=None, demo=demo,
    )


LABELS = ChartLabels(title="Titre", axis="Part", empty="Aucune zone", demo="DÉMO")


def test_chart_orders_gaps_first_escapes_names_and_labels_demo():
    svg = str(coverage_svg([_row("B", 0.8), _row("<script>", 0.1, demo="DÉMO"), _row("C", None)], LABELS))
    assert "<script>" not in svg and "&lt;script&gt; (DÉMO)" in svg
    assert svg.index("&lt;script&gt;") < svg.index(">B<")
    assert 'data-pcode="XC"' not in svg  # no at-risk area: no bar


def test_chart_empty_state():
    svg = str(coverage_svg([_row("C", None)], LABELS))
    assert "Aucune zone" in svg and "wm-chart-row" not in svg
