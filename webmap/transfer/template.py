"""The import template's second file: every value an import accepts, field by field (Flask-free
but for the labels, rendered in French — the language of the files people fill in).

Generated from the taxonomy and its synonym table (``webmap.synonyms``), so it never disagrees
with what the import really accepts. The first file, the template itself, is authored data
(``data/templates/services_template.csv``: the columns and one example row that is never
imported, see ``rows.EXAMPLE_PREFIX``).
"""

from __future__ import annotations

import csv
import io

from flask_babel import force_locale

from ..spreadsheet import safe_row
from ..synonyms import VOCABULARIES, words_for
from .mapping import field_label

# Which import column each vocabulary fills (the template's French column names).
COLUMNS = {"categories": ("category", "categorie"), "needs": ("needs", "besoins"),
           "sexes": ("sexes", "sexe"), "statuses": ("status", "statut"),
           "precisions": ("precision", "precision")}
YES_NO = ("oui", "non")
BOOLEAN_FIELDS = (("confidential", "confidentiel"), ("duplicate_ok", "doublon_confirme"))


def values_csv() -> bytes:
    """UTF-8 with BOM, ``;``-separated like the template: column, value to write, code, other words."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    with force_locale("fr"):
        writer.writerow(["colonne", "champ", "valeur à écrire", "code", "autres mots acceptés"])
        for vocabulary, (code_field, column) in COLUMNS.items():
            words = words_for(vocabulary)
            for code, label in VOCABULARIES[vocabulary].items():
                writer.writerow(safe_row([column, field_label(code_field), str(label), code,
                                          " | ".join(words.get(code, ()))]))
        for code_field, column in BOOLEAN_FIELDS:
            for value in YES_NO:
                writer.writerow(safe_row([column, field_label(code_field), value, value,
                                          "o | yes | vrai | 1 | x" if value == "oui" else "n | no | faux | 0"]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
