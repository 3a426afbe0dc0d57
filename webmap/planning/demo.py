"""Demonstration campaigns — fictitious, generated only by ``webmap demo``, labelled DÉMO everywhere.

Every generated campaign has ``is_demo = true``, a name starting with "DÉMO —", the organization
"Organisation fictive (DÉMO)" and a source saying it is generated data; so any output that
shows a campaign, even one written later by someone else, shows the label.

The generator is deterministic (seeded): ids are UUIDv5 of the seed and the index, so a second
``webmap demo`` inserts nothing; ``webmap demo --remove`` deletes every demo campaign.
The benchmark (scripts/bench_coverage.py) uses the same generator in its own database.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from ..models import AdminArea, Campaign, Place
from .vocabulary import DEMO_LABEL

DEMO_NAMESPACE = uuid.UUID("3f0b6c2e-9d1a-4f57-8a39-5d0c7e1b2a64")
DEMO_COUNT = 48
DEMO_SEED = 2024
DEMO_ORGANIZATION = f"Organisation fictive ({DEMO_LABEL})"
DEMO_SOURCE = (
    f"{DEMO_LABEL}\u00a0: données fictives générées par `webmap demo` pour montrer l'outil\u00a0; "
    "elles ne décrivent aucune campagne réelle."
)

# French wording of the generated names (the data is French, like the rest of the directory).
_CHANNEL_FR = {
    "radio": "Émissions radio",
    "community_meetings": "Causeries communautaires",
    "schools": "Séances dans les écoles",
    "transport_hubs": "Gares routières",
    "border_posts": "Postes frontières",
    "markets": "Marchés",
}
_THEME_FR = {
    "child_trafficking": "traite des enfants",
    "birth_registration": "enregistrement des naissances",
    "child_labour": "travail des enfants",
    "other": "protection de l'enfant",
}
_TARGETS = {
    "radio": ["parents", "leaders communautaires"],
    "community_meetings": ["parents", "planteurs", "leaders communautaires"],
    "schools": ["élèves", "enseignants"],
    "transport_hubs": ["transporteurs", "voyageurs"],
    "border_posts": ["agents frontaliers", "transporteurs"],
    "markets": ["commerçants", "parents"],
}
# (channel, typical theme, how the area is built, people reached range)
_PROFILES = (
    ("radio", "child_trafficking", "adm1", (5_000, 60_000)),
    ("radio", "birth_registration", "adm2", (3_000, 25_000)),
    ("community_meetings", "child_labour", "adm2", (150, 2_500)),
    ("community_meetings", "child_trafficking", "adm3", (100, 1_200)),
    ("schools", "birth_registration", "adm3", (200, 3_000)),
    ("schools", "child_labour", "adm2", (500, 6_000)),
    ("transport_hubs", "child_trafficking", "town", (300, 4_000)),
    ("border_posts", "child_trafficking", "border", (100, 1_500)),
    ("markets", "other", "town", (200, 2_000)),
)


@dataclass(frozen=True)
class CampaignSpec:
    id: uuid.UUID
    name: str
    theme: str
    channel: str
    start_date: dt.date
    end_date: dt.date
    people_reached: int
    target_groups: tuple[str, ...]
    admin_level: str | None  # coverage from admin areas...
    pcodes: tuple[str, ...]
    place_id: int | None  # ...or a circle around a gazetteer place
    radius_km: float | None


def _candidates(session: Session) -> dict:
    areas = {
        level: session.execute(
            select(AdminArea.pcode, AdminArea.name, AdminArea.parent_pcode)
            .where(AdminArea.level == level)
            .order_by(AdminArea.pcode)
        ).all()
        for level in ("adm1", "adm2", "adm3")
    }
    towns = session.execute(
        select(Place.id, Place.name, Place.adm2_pcode)
        .where(Place.population >= 15_000)
        .order_by(Place.population.desc(), Place.id)
    ).all()
    if not areas["adm2"] or not towns:
        raise RuntimeError("no admin areas or gazetteer places: run `webmap geodata` first")
    # Towns in départements on the land border (where the reference zones put them), else any town.
    border_pcodes = set(
        session.scalars(text("SELECT admin_pcode FROM risk_zone WHERE kind = 'border_crossing'")).all()
    )
    border_towns = [town for town in towns if town.adm2_pcode in border_pcodes] or towns
    return {**areas, "towns": towns, "border_towns": border_towns}


def generate_specs(
    session: Session,
    count: int,
    seed: int,
    today: dt.date,
    span_days: int = 730,
    label: str = DEMO_LABEL,
) -> list[CampaignSpec]:
    """``count`` fictitious campaigns ending within ``span_days`` before ``today`` (deterministic)."""
    rng = random.Random(seed)
    pool = _candidates(session)
    specs = []
    for index in range(count):
        channel, theme, shape, (low, high) = _PROFILES[rng.randrange(len(_PROFILES))]
        if rng.random() < 0.2:
            theme = rng.choice(list(_THEME_FR))
        admin_level, pcodes, place_id, radius = None, (), None, None
        if shape in ("adm1", "adm2", "adm3"):
            admin_level = shape
            units = pool[shape]
            first = units[rng.randrange(len(units))]
            siblings = [u for u in units if u.parent_pcode == first.parent_pcode and u.pcode != first.pcode]
            extra = rng.sample(siblings, k=min(len(siblings), rng.choice((0, 0, 1, 2))))
            chosen = [first, *extra]
            pcodes = tuple(sorted(u.pcode for u in chosen))
            where = ", ".join(u.name for u in chosen)
        else:
            towns = pool["border_towns" if shape == "border" else "towns"]
            town = towns[rng.randrange(min(len(towns), 120))]
            place_id = town.id
            radius = rng.choice((5.0, 10.0, 15.0, 25.0))
            where = town.name
        duration = rng.randint(1, 90)
        end = today - dt.timedelta(days=rng.randint(0, span_days))
        start = end - dt.timedelta(days=duration - 1)
        specs.append(
            CampaignSpec(
                id=uuid.uuid5(DEMO_NAMESPACE, f"{seed}:{index}"),
                name=f"{label} — {_CHANNEL_FR[channel]}\u00a0: {_THEME_FR[theme]} — {where}"[:250],
                theme=theme,
                channel=channel,
                start_date=start,
                end_date=end,
                people_reached=rng.randint(low, high),
                target_groups=tuple(_TARGETS[channel]),
                admin_level=admin_level,
                pcodes=pcodes,
                place_id=place_id,
                radius_km=radius,
            )
        )
    return specs


_INSERT = text(
    """
    INSERT INTO campaign (id, name, organization, theme, channel, start_date, end_date,
                          people_reached, target_groups, area_pcodes, area, source, notes, is_demo)
    SELECT t.id, t.name, :organization, t.theme, t.channel, t.start_date, t.end_date, t.reached,
           string_to_array(t.groups, '|'),
           COALESCE(string_to_array(NULLIF(t.pcodes, ''), ','), '{}'),
           CASE WHEN t.place_id IS NULL THEN
               (SELECT ST_Multi(ST_Union(a.geom)) FROM admin_area a
                 WHERE a.level = t.admin_level AND a.pcode = ANY (string_to_array(t.pcodes, ',')))
           ELSE
               (SELECT ST_Multi(ST_Buffer(p.geom::geography, t.radius_km * 1000, 'quad_segs=8')::geometry)
                  FROM place p WHERE p.id = t.place_id)
           END,
           :source, NULL, true
    FROM unnest(CAST(:ids AS uuid[]), CAST(:names AS text[]), CAST(:themes AS text[]),
                CAST(:channels AS text[]), CAST(:starts AS date[]), CAST(:ends AS date[]),
                CAST(:reached AS integer[]), CAST(:groups AS text[]), CAST(:levels AS text[]),
                CAST(:pcodes AS text[]), CAST(:place_ids AS integer[]), CAST(:radii AS float8[]))
         AS t(id, name, theme, channel, start_date, end_date, reached, groups, admin_level,
              pcodes, place_id, radius_km)
    ON CONFLICT (id) DO NOTHING
    """
)


def insert_specs(session: Session, specs: list[CampaignSpec], source: str = DEMO_SOURCE) -> int:
    """Insert the campaigns not already there, in one statement; returns how many were inserted."""
    if not specs:
        return 0
    result = session.execute(
        _INSERT,
        {
            "organization": DEMO_ORGANIZATION,
            "source": source,
            "ids": [s.id for s in specs],
            "names": [s.name for s in specs],
            "themes": [s.theme for s in specs],
            "channels": [s.channel for s in specs],
            "starts": [s.start_date for s in specs],
            "ends": [s.end_date for s in specs],
            "reached": [s.people_reached for s in specs],
            "groups": ["|".join(s.target_groups) for s in specs],
            "levels": [s.admin_level for s in specs],
            "pcodes": [",".join(s.pcodes) for s in specs],
            "place_ids": [s.place_id for s in specs],
            "radii": [s.radius_km for s in specs],
        },
    )
    session.flush()
    return result.rowcount


def create_demo(
    session: Session, today: dt.date | None = None, count: int = DEMO_COUNT, seed: int = DEMO_SEED
) -> dict[str, int]:
    """Add the demonstration campaigns (idempotent); the caller commits."""
    specs = generate_specs(session, count, seed, today or dt.date.today())
    inserted = insert_specs(session, specs)
    total = session.scalar(select(func.count()).select_from(Campaign).where(Campaign.is_demo.is_(True)))
    return {"inserted": inserted, "demo_campaigns": total}


def remove_demo(session: Session) -> int:
    """Delete every demonstration campaign (and, by cascade, its derived rows); returns the count."""
    result = session.execute(delete(Campaign).where(Campaign.is_demo.is_(True)))
    session.flush()
    return result.rowcount
