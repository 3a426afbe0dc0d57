"""The printable map: options, PDF/PNG/atlas content, masking, determinism — real PostGIS."""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pypdf
import pytest
from flask_babel import force_locale
from geoalchemy2.shape import to_shape
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from PIL import Image
from pyproj import Geod
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from layers import CATEGORY_STYLES
from layers import print_symbols as sym
from webmap.directory.visibility import PUBLIC, Viewer
from webmap.errors import BadParameter
from webmap.export import service
from webmap.export.basemap import project_xy
from webmap.export.mapfigure import MapPainter, fit_frame
from webmap.export.options import PrintOptions, parse_print_options
from webmap.export.scene import build_scene, compass
from webmap.export.texts import format_day, sheet_texts
from webmap.models import AdminArea, Place

DAY = dt.date(2026, 3, 14)
STAFF = Viewer(can_see_confidential=True)


def _pdf(data: bytes) -> pypdf.PdfReader:
    assert data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(data))


def _text(reader: pypdf.PdfReader, page: int | None = None) -> str:
    pages = reader.pages if page is None else [reader.pages[page]]
    return "\n".join(p.extract_text() for p in pages)


def _town(db_session, name: str) -> Place:
    return db_session.scalars(select(Place).where(Place.name == name).order_by(Place.population.desc())).first()


def _sources(app) -> service.Sources:
    return service.Sources(app.config["WEBMAP_GEODATA_MIRROR"], app.config["WEBMAP_GEODATA_CACHE"])


def _empty_region(db_session) -> AdminArea:
    """A region with no structure in the test database (the seed leaves most regions empty)."""
    from webmap.models import Location

    used = set(db_session.scalars(select(Location.adm1_pcode).where(Location.adm1_pcode.isnot(None))))
    return db_session.scalars(
        select(AdminArea).where(AdminArea.level == "adm1", AdminArea.pcode.not_in(used)).order_by(AdminArea.pcode)
    ).first()


# --- options ----------------------------------------------------------------------------------


def test_options_defaults_and_aliases():
    options = parse_print_options(MultiDict())
    assert options == PrintOptions()
    assert options.page_mm == (297.0, 210.0)
    assert options.png_size() == (1754, 1240)  # A4 landscape at 150 dpi

    options = parse_print_options(
        MultiDict([("region", "ci28"), ("size", "A3"), ("orientation", "portrait"), ("lang", "en"),
                   ("table", "0"), ("category", "reintegration,chpm"), ("category", "police")])
    )
    assert options.extent == "CI28" and options.extent_level == "adm1"
    assert options.paper == "a3" and options.page_mm == (297.0, 420.0)
    assert options.lang == "en" and options.table is False
    assert options.categories == ("chpm", "reintegration", "police")  # taxonomy order, no duplicates
    assert parse_print_options(MultiDict({"departement": "CI2802"})).extent_level == "adm2"
    assert parse_print_options(MultiDict({"width": "800"})).png_size() == (800, 566)
    assert parse_print_options(MultiDict({"width": "640", "height": "480"})).png_size() == (640, 480)


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"extent": "abidjan"}, "extent"),
        ({"region": "CI2802"}, "region"),
        ({"departement": "CI28"}, "departement"),
        ({"extent": "CI28", "region": "CI28"}, "region"),
        ({"paper": "a5"}, "paper"),
        ({"size": "letter"}, "size"),
        ({"orientation": "sideways"}, "orientation"),
        ({"lang": "de"}, "lang"),
        ({"table": "maybe"}, "table"),
        ({"width": "10"}, "width"),
        ({"height": "99999"}, "height"),
        ({"category": "spaceship"}, "category"),
    ],
)
def test_bad_options_name_their_parameter(args, parameter):
    with pytest.raises(BadParameter) as caught:
        parse_print_options(MultiDict(args))
    assert caught.value.parameter == parameter


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/export/map.pdf?paper=a5", "paper"),
        ("/export/map.png?width=abc", "width"),
        ("/export/map.pdf?extent=CI99", "extent"),
        ("/export/map.png?region=CI99", "region"),
        ("/export/map.pdf?departement=CI9901", "departement"),
        ("/export/atlas.pdf?extent=CI28", "extent"),
        ("/export/atlas.pdf?lang=es", "lang"),
    ],
)
def test_bad_options_are_400_json_naming_the_parameter(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error", "detail"}
    assert body["detail"]["parameter"] == parameter


# --- the map PDF ------------------------------------------------------------------------------


def test_map_pdf_in_french_has_title_legend_sources_and_the_directory(client):
    response = client.get("/export/map.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    # The public's map: kept by caches until the data changes (tests/test_http_cache.py).
    assert response.headers["Cache-Control"].startswith("public, max-age=") and response.headers["ETag"]
    reader = _pdf(response.data)
    assert len(reader.pages) >= 2  # the map, then the directory table
    first = _text(reader, 0)
    for expected in (
        "Structures de prise en charge pour la protection de l'enfant — Côte d'Ivoire",
        "Tout le pays",
        "Légende",
        "Centre d'hébergement pour mineurs (CHPM)",
        "Centre de réinsertion",
        "À vérifier",
        "Limite de région",
        "Produit le",
        "OCHA ROWCA / CNTIG, COD-AB Côte d'Ivoire (CC BY-IGO)",
        "GeoNames (CC BY 4.0)",
        "Natural Earth (domaine public)",
        "Les lieux confidentiels sont placés à la position de leur localité",
    ):
        assert expected in first.replace("\n", " "), expected
    assert "Legend" not in first
    rest = " ".join(_text(reader).split())
    for expected in ("Annuaire des structures — Côte d'Ivoire", "Dernière vérification", "à vérifier",
                     "Odienné", "Kabadougou", "Centre de réinsertion pour mineurs de Korhogo"):
        assert expected in rest, expected
    assert reader.metadata.title.startswith("Structures de prise en charge")


def test_map_pdf_in_english(client):
    reader = _pdf(client.get("/export/map.pdf?lang=en").data)
    first = _text(reader, 0).replace("\n", " ")
    for expected in ("Child protection assistance structures — Côte d'Ivoire", "Legend", "To be verified",
                     "Produced on", "Administrative boundaries: OCHA ROWCA", "Neighbouring countries: Natural Earth",
                     "Accommodation centre for minors (CHPM)"):
        assert expected in first, expected
    assert "Légende" not in first
    assert "Directory of structures" in _text(reader)


def test_table_off_gives_the_map_page_only(client):
    assert len(_pdf(client.get("/export/map.pdf?table=0").data).pages) == 1


def test_a3_portrait_region_map(client):
    response = client.get("/export/map.pdf?region=CI32&paper=a3&orientation=portrait&table=0")
    reader = _pdf(response.data)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 420)
    text = _text(reader, 0).replace("\n", " ")
    assert "— Tonkpi" in text and "Région" in text and "2 structures" in text


def test_categories_filter_is_stated_and_applied(client):
    text = _text(_pdf(client.get("/export/map.pdf?category=reintegration").data)).replace("\n", " ")
    assert "Catégories : Centre de réinsertion" in text  # the PDF text layer gives the no-break space as a space
    assert "3 structures" in text
    assert "Centre de réinsertion pour mineurs de Man" in text
    assert "CHPM) de Man" not in text


def test_an_empty_region_gives_a_page_saying_so(client, db_session):
    region = _empty_region(db_session)
    reader = _pdf(client.get(f"/export/map.pdf?extent={region.pcode}").data)
    assert len(reader.pages) == 1  # no table for no structure
    text = _text(reader, 0).replace("\n", " ")
    assert region.name in text
    assert "Aucune structure répertoriée dans cette région pour les catégories choisies." in text
    assert "0 structure" in text
    # Instead of an empty map: the nearest structures outside it, with distance and direction.
    assert "Les plus proches hors de cette zone :" in text
    assert len(re.findall(r"à \d+ km (?:au (?:nord|sud)(?:-(?:est|ouest))?|à l'(?:est|ouest))", text)) == 3


def test_nearest_outside_an_empty_region_are_measured_from_its_edge(app, db_session, make):
    """Bafing holds nothing; a structure placed 30 km due south of its southern edge is listed
    first, 'à 30 km au sud' (the print CRS keeps distances true within the country)."""
    with app.app_context(), force_locale("fr"):
        options = parse_print_options(MultiDict({"extent": "CI04"}))
        base = build_scene(db_session, options, PUBLIC, format_day=lambda d: format_day(d, "fr"),
                           mirror=app.config["WEBMAP_GEODATA_MIRROR"])
        assert base.count == 0 and len(base.nearby) == 3
        focus = base.focus.geom
        lowest = min(focus.exterior.coords if focus.geom_type == "Polygon"
                     else (c for g in focus.geoms for c in g.exterior.coords), key=lambda c: c[1])
        from pyproj import Transformer

        from webmap.export.basemap import PRINT_CRS
        to_lonlat = Transformer.from_crs(PRINT_CRS, "EPSG:4326", always_xy=True)
        lon, lat = to_lonlat.transform(lowest[0], lowest[1] - 30_000)
        make.service(name="Centre proche test", category="social_centre", lon=lon, lat=lat)
        scene = build_scene(db_session, options, PUBLIC, format_day=lambda d: format_day(d, "fr"),
                            mirror=app.config["WEBMAP_GEODATA_MIRROR"])
        texts = sheet_texts(scene, "fr", DAY)
    first = scene.nearby[0]
    assert first.name == "Centre proche test" and first.direction == "s"
    assert 29 <= first.km <= 30
    assert texts.nearby[0].startswith("Centre proche test") and texts.nearby[0].endswith(f"à {first.km:.0f} km au sud")


@pytest.mark.parametrize(("dx", "dy", "expected"), [
    (0, 1, "n"), (1, 1, "ne"), (1, 0, "e"), (1, -1, "se"), (0, -1, "s"), (-1, -1, "sw"), (-1, 0, "w"),
    (-1, 1, "nw"), (0.3, 1, "n"), (1, 0.3, "e"),
])
def test_compass_directions(dx, dy, expected):
    assert compass(dx, dy) == expected


def _table_pages(reader: pypdf.PdfReader) -> list[int]:
    return [i for i, page in enumerate(reader.pages) if "Annuaire des structures" in page.extract_text()]


def _font_sizes(page) -> list[tuple[float, str]]:
    """(size in points, text) of every piece of text drawn on ``page``."""
    found: list[tuple[float, str]] = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            scale = abs(tm[3] * cm[3]) or 1.0
            found.append((round(size * scale, 2), text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def test_directory_table_reads_at_8_pt_with_headings_once_a_page(client, db_session, make):
    # Enough structures over several regions for the table to run over pages.
    for index in range(45):
        town = ("Korhogo", "Bouaké", "Daloa", "Man", "San-Pédro")[index % 5]
        point = to_shape(_town(db_session, town).geom)
        make.service(name=f"Structure de test {index:02d}", category="ngo", lon=point.x + 0.01 * index,
                     lat=point.y, phones=[f"+225 27 00 00 00 {index:02d}"],
                     email=f"une.adresse.tres.longue.de.test.{index}@exemple-ong-protection.ci")
    reader = _pdf(client.get("/export/map.pdf").data)
    pages = _table_pages(reader)
    assert len(pages) >= 3
    for number in pages:
        text = reader.pages[number].extract_text()
        assert text.count("Catégorie") == 1, f"page {number + 1}: the column headings once"
        sizes = _font_sizes(reader.pages[number])
        small = [(size, piece) for size, piece in sizes if size < 8]
        assert not small, f"page {number + 1}: text under 8 pt {small[:5]}"
    # A long e-mail address is cut to its column, never run into the next one.
    assert "exemple-ong-protection.ci" in _text(reader).replace("\n", "")


def test_verified_and_to_verify_differ_without_colour(client, make):
    make.service(name="Centre vérifié test", category="social_centre", verification="verified",
                 assured_date=dt.date(2026, 2, 3), lon=-5.03, lat=7.69)
    reader = _pdf(client.get("/export/map.pdf").data)
    text = _text(reader)
    assert "✓ 3 février 2026" in text  # a tick, not only a colour
    fonts = set()
    for number in _table_pages(reader):
        reader.pages[number].extract_text(
            visitor_text=lambda t, _cm, _tm, font, _size: fonts.add((t.strip(), (font or {}).get("/BaseFont")))
        )
    assert any(t == "à vérifier" and "Oblique" in str(base) for t, base in fonts), "to verify: in italics"


def test_print_files_open_or_download(client):
    assert client.get("/export/map.pdf?table=0").headers["Content-Disposition"].startswith("inline;")
    saved = client.get("/export/map.pdf?table=0&download=1")
    assert saved.headers["Content-Disposition"].startswith("attachment;")
    html = client.get("/print").get_data(as_text=True)
    assert html.count(">Ouvrir</a>") == 3 and html.count(">Télécharger</a>") == 3
    assert "download=1" in html


# --- the PNG ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("", (1754, 1240)),
        ("?width=640&height=480", (640, 480)),
        ("?width=1000&orientation=portrait", (1000, 1414)),
        ("?height=700&extent=CI2802", (990, 700)),
    ],
)
def test_png_has_the_requested_pixel_size(client, query, size):
    response = client.get("/export/map.png" + query)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == size
    pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 10  # something is drawn, not a blank canvas


# --- confidentiality --------------------------------------------------------------------------


def _confidential_shelter(make, db_session):
    odienne = _town(db_session, "Odienné")
    town_lon, town_lat = db_session.execute(select(func.ST_X(Place.geom), func.ST_Y(Place.geom))
                                            .where(Place.id == odienne.id)).one()
    exact = (town_lon + 0.031, town_lat - 0.027)
    make.service(
        name="Abri test confidentiel",
        category="private_care",  # alone in its category: drawn without any neighbour to fan out from
        lon=exact[0],
        lat=exact[1],
        location={"confidential": True, "place_id": odienne.id, "town": "Odienné", "precision": "exact",
                  "address": "Cour secrète 7, quartier test", "public_contact": "Direction régionale, test"},
    )
    make.service(
        name="Bureau test ouvert",
        category="social_centre",
        lon=town_lon - 0.02,
        lat=town_lat + 0.01,
        location={"confidential": False, "town": "Odienné", "address": "Avenue publique 3"},
    )
    return (town_lon, town_lat), exact


def test_confidential_place_is_drawn_at_its_town_for_the_public(app, db_session, make):
    town, exact = _confidential_shelter(make, db_session)
    mirror = app.config["WEBMAP_GEODATA_MIRROR"]
    with app.app_context(), force_locale("fr"):
        public = build_scene(db_session, PrintOptions(), PUBLIC, format_day=str, mirror=mirror)
        staff = build_scene(db_session, PrintOptions(), STAFF, format_day=str, mirror=mirror)
        alone = build_scene(db_session, PrintOptions(categories=("private_care",)), PUBLIC, format_day=str,
                            mirror=mirror)
    shown = next(p for p in public.points if p.name == "Abri test confidentiel")
    assert shown.masked
    assert (shown.lon, shown.lat) == pytest.approx(town, abs=1e-6)
    assert (shown.x, shown.y) == pytest.approx(tuple(float(v) for v in project_xy(*town)), abs=0.5)
    row = next(r for r in public.rows if r.name == "Abri test confidentiel")
    assert row.address is None and row.confidential
    assert row.public_contact == "Direction régionale, test"
    inside = next(p for p in staff.points if p.name == "Abri test confidentiel")
    assert (inside.lon, inside.lat) == pytest.approx(exact, abs=1e-6)  # staff see the exact place
    assert next(r for r in staff.rows if r.name == "Abri test confidentiel").address == "Cour secrète 7, quartier test"

    # what the renderer actually plots: the symbol at the town, not at the exact point
    with app.app_context(), force_locale("fr"):
        texts = sheet_texts(alone, "fr", DAY)
    fig = Figure(figsize=(8, 6), dpi=50)
    drawn = MapPainter(fig, (0, 0, 1, 1), alone, texts.map, 200, 150).draw()
    assert [p.name for p in drawn.points] == ["Abri test confidentiel"]
    assert drawn.symbol_xy[0] == pytest.approx(tuple(float(v) for v in project_xy(*town)), abs=1.0)


def test_the_exact_address_never_reaches_the_public_pdf(client, db_session, make):
    _confidential_shelter(make, db_session)
    text = _text(_pdf(client.get("/export/map.pdf?extent=CI21").data)).replace("\n", " ")
    assert "Abri test confidentiel" in text
    assert "Direction régionale, test" in text  # the public contact point is printed
    assert "Cour secrète" not in text
    assert "Avenue publique 3" in text  # addresses of open places are printed


# --- atlas ------------------------------------------------------------------------------------


def test_atlas_has_overview_contents_and_one_page_per_region(client, db_session):
    response = client.get("/export/atlas.pdf?table=0")
    assert response.status_code == 200
    reader = _pdf(response.data)
    regions = db_session.scalars(select(AdminArea).where(AdminArea.level == "adm1").order_by(AdminArea.pcode)).all()
    assert len(regions) == 33
    assert len(reader.pages) == 2 + len(regions) >= 35
    assert "Atlas des structures de prise en charge" in _text(reader, 0)
    contents = _text(reader, 1)
    assert "Sommaire" in contents
    for index, region in enumerate(regions):
        page = _text(reader, 2 + index).replace("\n", " ")
        assert f"— {region.name}" in page, region.name
        assert region.name in contents
    empty = _empty_region(db_session)
    empty_page = _text(reader, 2 + [r.pcode for r in regions].index(empty.pcode))
    assert "Aucune structure répertoriée dans cette région" in empty_page.replace("\n", " ")
    # the table of contents gives each region's page: the one after the label
    lines = contents.split("\n")
    for index, region in enumerate(regions):
        after = lines[lines.index(region.name) + 1:]
        number = next(line for line in after if line.strip().isdigit())
        assert int(number) == 3 + index, region.name


# --- rendering is offline, deterministic and true to scale ------------------------------------


def test_same_data_gives_the_same_bytes(app, db_session):
    with app.app_context():
        first = service.map_pdf(db_session, PrintOptions(table=True), produced_on=DAY, sources=_sources(app))
        second = service.map_pdf(db_session, PrintOptions(table=True), produced_on=DAY, sources=_sources(app))
        png_a = service.map_png(db_session, PrintOptions(width=500), produced_on=DAY, sources=_sources(app))
        png_b = service.map_png(db_session, PrintOptions(width=500), produced_on=DAY, sources=_sources(app))
        other_day = service.map_pdf(db_session, PrintOptions(table=True), produced_on=DAY + dt.timedelta(days=1),
                                    sources=_sources(app))
    assert first == second
    assert png_a == png_b
    assert other_day != first
    assert "14 mars 2026" in _text(_pdf(first), 0)


def test_documents_link_to_nothing_outside(client):
    data = client.get("/export/atlas.pdf?table=1").data
    assert b"http" not in data and b"www." not in data  # no external link, no network resource
    assert b"/URI" not in data


def test_print_projection_keeps_distances_true_for_the_scale_bar(db_session):
    geod = Geod(ellps="WGS84")
    pairs = [((-4.01, 5.32), (-5.63, 9.46)), ((-7.55, 7.41), (-2.80, 8.04)), ((-6.64, 4.75), (-3.74, 5.20))]
    for (lon1, lat1), (lon2, lat2) in pairs:
        _az, _baz, metres = geod.inv(lon1, lat1, lon2, lat2)
        x, y = project_xy([lon1, lon2], [lat1, lat2])
        projected = float(np.hypot(x[1] - x[0], y[1] - y[0]))
        assert projected == pytest.approx(metres, rel=0.003)


def test_frame_keeps_the_focus_and_the_paper_proportions():
    frame = fit_frame((0, 0, 100_000, 300_000), aspect=1.4, margin=0.05, min_span=10_000)
    width, height = frame[2] - frame[0], frame[3] - frame[1]
    assert width / height == pytest.approx(1.4)
    assert frame[0] < 0 and frame[1] < 0 and frame[2] > 100_000 and frame[3] > 300_000


def test_symbols_are_the_catalogue_ones():
    fig = Figure()
    ax = fig.add_subplot()
    glyphs = set()
    for code, style in CATEGORY_STYLES.items():
        ring, disc, glyph = sym.draw_symbols(ax, [0.0], [0.0], code, verified=False, disc_pt=10)
        assert tuple(disc.get_facecolor()[0]) == pytest.approx(to_rgba(style.color))
        assert tuple(glyph.get_facecolor()[0]) == pytest.approx(to_rgba(style.icon_color))
        vertices = sym.glyph_marker(style.glyph).get_path().vertices
        assert len(vertices) > 8  # a real Font Awesome outline, not an empty .notdef box
        glyphs.add(vertices.tobytes())
    assert len(glyphs) == len(CATEGORY_STYLES)
    verified = sym.ring_style(True)
    to_verify = sym.ring_style(False)
    assert verified["linestyles"] == "solid" and to_verify["linestyles"] != "solid"


def test_only_active_structures_are_printed(client, make):
    make.service(name="Centre fermé test", category="social_centre", status="inactive", lon=-5.03, lat=7.69)
    make.service(name="Centre prévu test", category="social_centre", status="planned", lon=-5.04, lat=7.70)
    make.service(name="Centre ouvert test", category="social_centre", status="active", lon=-5.05, lat=7.71)
    text = _text(_pdf(client.get("/export/map.pdf?category=social_centre").data))
    assert "Centre ouvert test" in text
    assert "Centre fermé test" not in text and "Centre prévu test" not in text


def test_verified_structures_show_their_date(app, db_session, make):
    make.service(name="Centre vérifié test", category="social_centre", verification="verified",
                 assured_date=dt.date(2026, 2, 3), lon=-5.03, lat=7.69)
    with app.app_context(), force_locale("fr"):
        scene = build_scene(db_session, PrintOptions(), PUBLIC, format_day=lambda d: format_day(d, "fr"),
                            mirror=app.config["WEBMAP_GEODATA_MIRROR"])
    row = next(r for r in scene.rows if r.name == "Centre vérifié test")
    assert row.verified and row.last_verified == "3 février 2026"
    point = next(p for p in scene.points if p.name == "Centre vérifié test")
    assert point.verified


# --- the /print page --------------------------------------------------------------------------


def test_print_page_sets_the_options_with_a_preview(client):
    response = client.get("/print?extent=CI28&orientation=portrait")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Imprimer la carte" in html
    assert 'id="print-preview"' in html and "/export/map.png?" in html
    assert "extent=CI28" in html and "orientation=portrait" in html
    assert 'value="CI28" selected' in html
    assert "/export/atlas.pdf" in html and "/export/map.pdf?" in html
    assert "Korhogo" in html  # départements listed under their region
    assert "export/print.js" in html
    assert 'href="/print"' in html or "/print" in html


def test_print_page_reports_a_bad_option_instead_of_failing(client):
    response = client.get("/print?paper=a9")
    assert response.status_code == 200
    assert "paper" in response.get_data(as_text=True)


def test_a_map_in_english_does_not_switch_the_site_language(client):
    """``lang`` on the printed map is the map's language; only a page shown in it is remembered."""
    for url in ("/export/map.png?lang=en&width=200", "/export/map.pdf?lang=en&table=0"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, url
    assert '<html lang="fr">' in client.get("/print").get_data(as_text=True)
    response = client.get("/print?lang=en")
    assert "webmap_lang=en" in response.headers["Set-Cookie"]
