"""The words people use for the taxonomy's values, accepted wherever a file is imported.

The one synonym table of the directory, next to :mod:`webmap.taxonomy`. An import accepts, for
each vocabulary, the code, the French and English labels and the words below; matching folds
accents, case and punctuation (``webmap.text.fold``), so "hebergement" is "Hébergement".

Each group says why its words mean that value: a synonym is a fact about how the field writes
(lists of the Ministère de la Femme, de la Famille et de l'Enfant, of NGOs, of partners), not
a guess. A word that could mean two values of one vocabulary is left out (a test checks there
is no such word): "centre d'hébergement" is not a category, since a CHPM and a private care
centre both are one. Add a group here, with its reason, rather than a special case elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import force_locale

from . import taxonomy
from .text import fold


@dataclass(frozen=True)
class Synonyms:
    vocabulary: str  # a key of VOCABULARIES
    code: str
    words: tuple[str, ...]
    why: str


# The vocabularies an import reads, by the name this table uses.
VOCABULARIES: dict[str, Mapping[str, object]] = {
    "categories": taxonomy.CATEGORIES,
    "needs": taxonomy.NEEDS,
    "sexes": taxonomy.SEXES,
    "statuses": taxonomy.SERVICE_STATUSES,
    "precisions": taxonomy.LOCATION_PRECISIONS,
}

SYNONYMS: tuple[Synonyms, ...] = (
    # --- categories ------------------------------------------------------------------------------
    Synonyms("categories", "ngo", ("ONG", "NGO", "ONG locale", "ONG internationale", "OSC", "association",
                                   "organisation de la société civile", "société civile"),
             "Ivorian lists name civil-society partners by the acronym ONG (OSC in newer documents)."),
    Synonyms("categories", "social_centre", ("Centre social", "CS", "complexe socio-éducatif",
                                             "centre socio-éducatif", "service social"),
             "The ministry's centres sociaux and complexes socio-éducatifs are the same network."),
    Synonyms("categories", "police", ("Police", "commissariat", "commissariat de police", "brigade des mineurs",
                                      "gendarmerie", "brigade de gendarmerie", "SDLTEDJ"),
             "One law-enforcement category: police stations, the minors' brigade, the gendarmerie "
             "and the anti-trafficking sub-directorate (SDLTEDJ) all receive reports."),
    Synonyms("categories", "chpm", ("CHPM", "centre d'hébergement pour mineurs",
                                    "centre d'hébergement provisoire pour mineurs"),
             "The acronym and the two spellings of the State's accommodation centres for minors."),
    Synonyms("categories", "reception_transit", ("centre de transit", "centre d'accueil et de transit", "CAT"),
             "Transit centres are named by their function, often as 'CAT'."),
    Synonyms("categories", "reintegration", ("centre de réinsertion", "centre de réintégration"),
             "Both words are used for the same centres."),
    Synonyms("categories", "private_care", ("centre privé", "centre de prise en charge privé"),
             "Private residential care ('orphelinat' is left out: public and private ones exist)."),
    Synonyms("categories", "labour_inspectorate", ("inspection du travail", "inspecteur du travail"),
             "The office or its officer."),
    Synonyms("categories", "justice", ("tribunal", "tribunal pour enfants", "juge des enfants", "parquet",
                                       "juridiction"),
             "The courts and their children's judge."),
    Synonyms("categories", "health", ("santé", "hôpital", "centre de santé", "CHU", "CHR", "dispensaire",
                                      "clinique"),
             "Health facilities by their usual kinds."),
    Synonyms("categories", "helpline", ("ligne verte", "numéro vert", "ligne d'écoute", "116"),
             "The child helpline is known by its number, 116, and as a 'ligne verte'."),
    Synonyms("categories", "coordination", ("comité de protection", "plateforme de protection", "CNS",
                                            "coordination"),
             "Protection committees, platforms and the Comité national de surveillance (CNS)."),
    # --- needs -----------------------------------------------------------------------------------
    Synonyms("needs", "shelter", ("Hébergement", "mise à l'abri", "accueil", "hébergement temporaire"),
             "What the field calls housing a child for the night or longer."),
    Synonyms("needs", "psychosocial", ("psychosocial", "appui psychosocial", "soutien psychologique", "PSS",
                                       "écoute"),
             "PSS is the usual acronym; 'écoute' is how helplines describe it."),
    Synonyms("needs", "medical", ("soins", "soins médicaux", "médical", "prise en charge médicale", "santé"),
             "Medical care, however it is phrased."),
    Synonyms("needs", "legal", ("juridique", "aide juridique", "assistance juridique", "judiciaire",
                                "accompagnement juridique"),
             "Legal aid and accompaniment through the courts."),
    Synonyms("needs", "family_tracing", ("recherche familiale", "recherche des familles",
                                         "réunification familiale", "RTF"),
             "Family tracing and reunification (RTF) go together."),
    Synonyms("needs", "reintegration", ("réinsertion", "réintégration", "insertion"),
             "The three words name the same step."),
    Synonyms("needs", "case_management", ("gestion de cas", "gestion des cas", "suivi des cas"),
             "The case-management wording of the ministry's procedures."),
    Synonyms("needs", "reporting", ("signalement", "dénonciation", "plainte"),
             "Where a case can be reported."),
    # --- sexes -----------------------------------------------------------------------------------
    Synonyms("sexes", "all", ("Tous", "Toutes", "mixte", "les deux", "filles et garçons", "garçons et filles",
                              "F/M", "M/F", "F et M"),
             "Both sexes, as lists write it."),
    Synonyms("sexes", "female", ("F", "fille", "Filles", "féminin", "girls"), "Girls only."),
    Synonyms("sexes", "male", ("M", "G", "garçon", "Garçons", "masculin", "boys"), "Boys only."),
    # --- statuses --------------------------------------------------------------------------------
    Synonyms("statuses", "active", ("actif", "active", "ouvert", "fonctionnel", "en activité", "en service"),
             "Open and working."),
    Synonyms("statuses", "inactive", ("inactif", "fermé", "non fonctionnel", "suspendu"),
             "Not working now (the record stays, marked inactive)."),
    Synonyms("statuses", "planned", ("prévu", "en projet", "planifié", "en construction"),
             "Not open yet."),
    # --- precisions ------------------------------------------------------------------------------
    Synonyms("precisions", "exact", ("exacte", "précise", "GPS", "relevé GPS"),
             "A point taken on the spot."),
    Synonyms("precisions", "approximate", ("approximative", "approx", "environ", "estimée"),
             "A point placed roughly."),
    Synonyms("precisions", "town", ("ville", "commune", "localité", "centre de la ville"),
             "The town's point, not the structure's."),
)


def words_for(vocabulary: str) -> dict[str, tuple[str, ...]]:
    """code → the synonyms of that code (as written above)."""
    result: dict[str, tuple[str, ...]] = {}
    for group in SYNONYMS:
        if group.vocabulary == vocabulary:
            result[group.code] = result.get(group.code, ()) + group.words
    return result


def lookup(vocabulary: str) -> dict[str, str]:
    """folded code, French and English labels and synonyms → code (built once per import)."""
    values = VOCABULARIES[vocabulary]
    result = {fold(code): code for code in values}
    for lang in ("en", "fr"):
        with force_locale(lang):
            result.update({fold(str(label)): code for code, label in values.items()})
    for code, words in words_for(vocabulary).items():
        result.update({fold(word): code for word in words})
    return result


def french_labels(vocabulary: str) -> list[str]:
    """The vocabulary's French labels, in the taxonomy's order (what an error lists)."""
    with force_locale("fr"):
        return [str(label) for label in VOCABULARIES[vocabulary].values()]
