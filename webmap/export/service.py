"""The printed map's three products, each from a Session and options to bytes (Flask-free).

* :func:`map_pdf` — one map sheet (+ the directory table of the structures shown);
* :func:`map_png` — the same sheet as one PNG of the requested pixel size;
* :func:`atlas_pdf` — a national sheet, a table of contents, one sheet per region (+ tables).

Every function renders in the options' language (``force_locale``: needs an application context
for the translations; without one the English source strings are used).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..directory.visibility import PUBLIC, Viewer
from ..errors import BadParameter
from .basemap import load_basemap
from .document import ATLAS_MAP_DPI, MAP_DPI, Sheet, anchor_for, group_rows, render_document
from .layout import page_layout
from .mapfigure import Drawn, render_map_image
from .options import COUNTRY, PrintOptions
from .poster import render_poster
from .scene import Scene, build_scene, fetch_directory, scene_for
from .texts import format_day, sheet_texts, table_labels


@dataclass(frozen=True)
class Sources:
    """Where the reference mirror and cache are (the app's WEBMAP_GEODATA_* settings)."""

    mirror: str | None = None
    cache: str | None = None


def _table_title(scene: Scene) -> str:
    place = "Côte d'Ivoire" if scene.level == "adm0" else scene.focus.name
    return _("Directory of structures — %(place)s", place=place)


def _sheet(scene: Scene, options: PrintOptions, produced_on: dt.date, *, dpi: int, anchor: str,
           atlas: bool = False, table: bool = False, toc_label: str | None = None) -> tuple[Sheet, Drawn]:
    texts = sheet_texts(scene, options.lang, produced_on, atlas=atlas)
    layout = page_layout(options.paper, options.orientation)
    image, drawn = render_map_image(scene, texts.map, layout.map.w, layout.map.h, dpi=dpi, type_scale=layout.scale)
    with_table = table and bool(scene.rows)
    sheet = Sheet(
        anchor=anchor,
        texts=texts,
        image=image,
        layout=layout,
        table_title=_table_title(scene) if with_table else None,
        groups=group_rows(scene.rows) if with_table else (),
        toc_label=toc_label,
        count=scene.count,
    )
    return sheet, drawn


def map_pdf(session: Session, options: PrintOptions, viewer: Viewer = PUBLIC, *, produced_on: dt.date,
            sources: Sources = Sources(), parameter: str = "extent") -> bytes:
    with force_locale(options.lang):
        scene = build_scene(session, options, viewer, format_day=lambda d: format_day(d, options.lang),
                            mirror=sources.mirror, cache=sources.cache, parameter=parameter, with_rows=options.table)
        sheet, _drawn = _sheet(scene, options, produced_on, dpi=MAP_DPI, anchor="sheet-map", table=options.table)
        return render_document([sheet], lang=options.lang, title=sheet.texts.title, subject=sheet.texts.subtitle,
                               produced=sheet.texts.produced, labels=table_labels(), produced_on=produced_on)


def map_png(session: Session, options: PrintOptions, viewer: Viewer = PUBLIC, *, produced_on: dt.date,
            sources: Sources = Sources(), parameter: str = "extent") -> bytes:
    with force_locale(options.lang):
        scene = build_scene(session, options, viewer, format_day=lambda d: format_day(d, options.lang),
                            mirror=sources.mirror, cache=sources.cache, parameter=parameter, with_rows=False)
        texts = sheet_texts(scene, options.lang, produced_on)
        width, height = options.png_size()
        return render_poster(scene, texts, options.paper, options.orientation, width, height)


def atlas_pdf(session: Session, options: PrintOptions, viewer: Viewer = PUBLIC, *, produced_on: dt.date,
              sources: Sources = Sources()) -> bytes:
    if options.extent != COUNTRY:
        raise BadParameter("extent", "the atlas always covers the whole country and each of its regions")
    with force_locale(options.lang):
        fmt = lambda d: format_day(d, options.lang)  # noqa: E731
        basemap = load_basemap(session, sources.mirror, sources.cache)
        directory = fetch_directory(session, basemap, options.categories, viewer)
        national = scene_for(basemap, directory, "adm0", basemap.country, options.categories, fmt, with_rows=False)
        first, _drawn = _sheet(national, options, produced_on, dpi=ATLAS_MAP_DPI, anchor="sheet-country", atlas=True)
        sheets = [first]
        for region in basemap.regions:
            scene = scene_for(basemap, directory, "adm1", region, options.categories, fmt, with_rows=options.table)
            sheet, _drawn = _sheet(scene, options, produced_on, dpi=ATLAS_MAP_DPI, anchor=anchor_for(region.pcode),
                                   table=options.table, toc_label=region.name)
            sheets.append(sheet)
        return render_document(sheets, lang=options.lang, title=first.texts.title, subject=first.texts.subtitle,
                               produced=first.texts.produced, labels=table_labels(), produced_on=produced_on,
                               toc=True,
                               toc_title=_("Contents"))


@dataclass(frozen=True)
class RegionChoice:
    pcode: str
    name: str
    departements: tuple[tuple[str, str], ...]  # (P-code, name)


def extent_choices(session: Session, sources: Sources = Sources()) -> list[RegionChoice]:
    """Regions and their départements by name, for the print page's extent menu."""
    from ..text import fold

    basemap = load_basemap(session, sources.mirror, sources.cache)
    choices = []
    for region in sorted(basemap.regions, key=lambda r: (fold(r.name), r.pcode)):
        deps = sorted(
            ((d.pcode, d.name) for d in basemap.departements if d.parent_pcode == region.pcode),
            key=lambda item: (fold(item[1]), item[0]),
        )
        choices.append(RegionChoice(region.pcode, region.name, tuple(deps)))
    return choices
