"""Finding the origin from what a person types: misspellings, usage names, ambiguity (issue #12).

Against the loaded GeoNames gazetteer, through the HTTP paths people use: ``/api/v1/places``,
``/api/v1/nearest?place=`` and the referral page.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest

from webmap.models import Place
from webmap.reference.matching import ALIASES_FILE, load_aliases

# Typed input → the place meant (name, région). What a referral officer types on a phone:
# letters swapped, missing, doubled or wrong, accents and hyphens left out, usage names.
TYPO_TABLE = [
    ("Korogo", "Korhogo", "Poro"),  # missing letter (asks: Korogola is as close; Korhogo first)
    ("Korrhogo", "Korhogo", "Poro"),  # doubled letter
    ("Krohogo", "Korhogo", "Poro"),  # swapped letters
    ("Khorogo", "Korhogo", "Poro"),
    ("Dalao", "Daloa", "Haut-Sassandra"),  # swapped
    ("Dalloa", "Daloa", "Haut-Sassandra"),
    ("Dalaoa", "Daloa", "Haut-Sassandra"),
    ("Odiene", "Odienné", "Kabadougou"),  # missing letter and accent
    ("Odienne", "Odienné", "Kabadougou"),
    ("ODIENNÉ", "Odienné", "Kabadougou"),
    ("Yamousoukro", "Yamoussoukro", "District Autonome de Yamoussoukro"),
    ("Yamoussokro", "Yamoussoukro", "District Autonome de Yamoussoukro"),
    ("Yamoussoukrou", "Yamoussoukro", "District Autonome de Yamoussoukro"),
    ("Yakro", "Yamoussoukro", "District Autonome de Yamoussoukro"),  # usage name
    ("Ferke", "Ferkessédougou", "Tchologo"),  # usage name
    ("Ferké", "Ferkessédougou", "Tchologo"),
    ("Ferkesedougou", "Ferkessédougou", "Tchologo"),
    ("San Pedro", "San-Pédro", "San-Pédro"),
    ("sanpedro", "San-Pédro", "San-Pédro"),
    ("San Pedero", "San-Pédro", "San-Pédro"),
    ("Bassam", "Grand-Bassam", "Sud-Comoé"),  # usage name
    ("grandbassam", "Grand-Bassam", "Sud-Comoé"),
    ("Babi", "Abidjan", "District Autonome d'Abidjan"),  # usage name
    ("Abidajn", "Abidjan", "District Autonome d'Abidjan"),
    ("Abijan", "Abidjan", "District Autonome d'Abidjan"),
    ("Buake", "Bouaké", "Gbêkê"),
    ("Bouakke", "Bouaké", "Gbêkê"),
    ("Gagnoua", "Gagnoa", "Gôh"),
    ("Bingervile", "Bingerville", "District Autonome d'Abidjan"),
    ("Abengorou", "Abengourou", "Indénié-Djuablin"),
    ("Bondokou", "Bondoukou", "Gontougo"),
    ("Bondoukouu", "Bondoukou", "Gontougo"),
    ("Seguella", "Séguéla", "Worodougou"),
    ("Sasandra", "Sassandra", "Gbôklè"),
    ("Subre", "Soubré", "Nawa"),
    ("Agbovile", "Agboville", "Agnéby-Tiassa"),
    ("Dimbrokro", "Dimbokro", "N'Zi"),
    ("Bundiali", "Boundiali", "Bagoué"),
    ("Tomodi", "Toumodi", "Bélier"),
    ("Bouafle", "Bouaflé", "Marahoué"),
    ("Daoukor", "Daoukro", "Iffou"),
    ("Grand Lahou", "Grand-Lahou", "Grands-Ponts"),
    ("Divoo", "Divo", "Lôh-Djiboua"),
    ("Sinfar", "Sinfra", "Marahoué"),
    ("Katiola", "Katiola", "Hambol"),  # a village of Kabadougou has the name too: the town first
    ("odien", "Odienné", "Kabadougou"),  # the start of the name
]


def test_the_typo_table_is_big_enough():
    assert len(TYPO_TABLE) >= 40
    assert len({typed.casefold() for typed, _, _ in TYPO_TABLE}) == len(TYPO_TABLE)


@pytest.mark.parametrize("typed, name, region", TYPO_TABLE)
def test_typed_name_finds_the_place_meant(client, typed, name, region):
    results = client.get(f"/api/v1/places?q={quote(typed)}").get_json()["results"]
    assert (results[0]["name"], results[0]["region"]) == (name, region), results[:3]

    # The referral search starts from it, or asks with it first: never from another place silently.
    response = client.get(f"/api/v1/nearest?place={quote(typed)}&need=shelter")
    body = response.get_json()
    if response.status_code == 200:
        assert body["origin"]["place_id"] == results[0]["id"]
    else:
        assert response.status_code == 300, body
        assert body["detail"]["suggestions"][0]["id"] == results[0]["id"]


@pytest.mark.parametrize("typed", ["Dalao", "Odiene", "Yamousoukro", "Ferke", "San Pedro", "Yakro", "Bassam"])
def test_a_clear_misspelling_of_a_town_is_taken_without_asking(client, typed):
    assert client.get(f"/api/v1/nearest?place={quote(typed)}&need=shelter").status_code == 200


def test_korogo_is_never_searched_from_korogola_without_asking(client):
    response = client.get("/api/v1/nearest?place=Korogo&need=shelter")
    assert response.status_code == 300
    body = response.get_json()
    assert body["error"] == "ambiguous place 'Korogo'"
    assert body["detail"]["parameter"] == "place"
    suggestions = body["detail"]["suggestions"]
    assert [(s["name"], s["context"]) for s in suggestions][0] == ("Korhogo", "Poro")
    assert ("Korogola", "Tchologo") in [(s["name"], s["context"]) for s in suggestions]
    korhogo = suggestions[0]
    assert korhogo["population"] > 100_000 and isinstance(korhogo["id"], int)
    assert "results" not in body

    # Choosing a suggestion: the search from that place.
    chosen = client.get(f"/api/v1/nearest?place={korhogo['id']}&need=shelter").get_json()
    assert chosen["origin"]["name"] == "Korhogo"


def test_ambiguity_is_documented_in_the_openapi_document(client):
    nearest = client.get("/openapi.json").get_json()["paths"]["/api/v1/nearest"]["get"]
    schema = nearest["responses"]["300"]["content"]["application/json"]["schema"]
    suggestion = schema["properties"]["detail"]["properties"]["suggestions"]["items"]
    assert {"id", "name", "context", "population"} <= set(suggestion["properties"])


def test_the_page_asks_which_place_without_javascript(client):
    response = client.get("/referral?place=Korogo&need=shelter")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    question = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html.split('class="rf-question">')[1]
                                                         .split("</p>")[0]))).strip()
    assert question.startswith("Vouliez-vous dire Korhogo (Poro), ")
    assert " ou " in question and "Korogola (Tchologo)" in question and question.endswith(" ?")
    assert "\u00a0?</p>" in html  # French: a non-breaking space before the question mark
    # One plain link per place, keeping the rest of the search: it works without the script.
    link = re.search(r'<a class="rf-choice" href="([^"]+)" data-place-id="(\d+)">Korhogo</a>', html)
    assert link
    follow = client.get(unescape(link.group(1)))
    assert follow.status_code == 200
    page = unescape(follow.get_data(as_text=True))
    assert "Korhogo" in page.split('class="rf-origin-line"')[1].split("</p>")[0]
    assert 'name="place"' in page and 'value="Korhogo"' in page


def test_every_alias_names_a_place_of_the_gazetteer_with_a_reason(db_session):
    aliases = load_aliases(ALIASES_FILE)
    assert {"Yakro", "Ferké", "Bassam"} <= {a["alias"] for a in aliases}
    for alias in aliases:
        place = db_session.get(Place, alias["place_id"])
        assert place is not None and place.name == alias["name"], alias
        assert len(alias["rationale"]) > 20


def test_places_answer_carries_context_quality_and_score(client):
    first = client.get("/api/v1/places?q=Korogo").get_json()["results"][0]
    assert (first["name"], first["context"]) == ("Korhogo", "Poro")
    assert 0 < first["quality"] < 1 and first["score"] > first["quality"]
