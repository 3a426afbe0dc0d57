"""The phrases the offline referral page writes, in every language of the app (needs an app context).

They are the server's own messages (the same catalogue entries its templates use), read raw —
``%(name)s`` placeholders left for the page to fill — under each locale, so the page offline
says exactly what the server would. Plural phrases carry both forms (``[one, other]``).
"""

from __future__ import annotations

from flask_babel import force_locale, get_translations
from flask_babel import gettext as _

from .. import taxonomy
from ..directory.hours import day_names
from ..referral import words

LANGUAGES = ("fr", "en")

# Key → English message id (the templates' and modules' own).
PHRASES = {
    # _results.html
    "did_you_mean": "Did you mean", "or": "or", "question_mark": "?",
    "map_hint": "You can also click on the map.",
    "none_found": "No suitable structure found", "from": "From", "needs_colon": "needs:",
    "within_km": "within %(km)s km", "sheet": "Printable referral sheet", "copy_link": "Copy the link",
    "share_link": "Link to this search", "by_road": "≈ %(km)s km by road, ≈ %(time)s",
    "known_full": "Known to be full", "as_of": "as of %(date)s", "call_before": "call before referring",
    "no_phone": "No phone number recorded (to be verified)", "public_contact": "Public contact point:",
    "call": "Call", "call_number": "Call %(number)s", "directions": "Directions", "details": "Details",
    "needs_covered": "Needs covered", "not_recorded": "Not recorded (to be verified)", "ages": "Ages",
    "children_received": "Children received", "last_verified": "Last verified",
    "never_verified": "Never: to be verified",
    "masked": "Confidential place: shown at its town; distance counted from the town.",
    "method": "Road distance and time are estimates: straight-line distance × %(detour)s, at %(speed)s km/h. "
              "Call before travelling.",
    "search_within": "Search within %(km)s km",
    "intro": "Say where the child is and what the child needs: the nearest suitable structures appear here, "
             "with how to reach them and whom to call.",
    "ask_organization": "Ask its organisation:", "ask_social_centre": "Ask the social centre of the region:",
    "ask_helpline": "Ask the child helpline:",
    # _fallback.html
    "if_nobody": "If nobody answers", "fallback_note": "National contacts from the directory, to be verified.",
    # filters.py
    "minutes": "%(minutes)s min", "hours": "%(hours)s h", "hours_minutes": "%(hours)s h %(minutes)s",
    "ages_range": "%(min)s to %(max)s years", "ages_max": "up to %(max)s years (minimum age not recorded)",
    "ages_min": "from %(min)s years (maximum age not recorded)",
    # messages.py (page errors)
    "several_places": "Several places match “%(name)s”.",
    "unknown_place": "No town or village is called “%(name)s”. Did you mean:",
    "unknown_place_none": "No town or village is called “%(name)s”, nor anything close. Check the spelling.",
    "unknown_pcode": "No administrative area has the code “%(code)s”.",
    "outside": "The point %(lat)s, %(lon)s (latitude, longitude) is outside Côte d'Ivoire, more than %(km)s km "
               "from its borders. Type the latitude first, in decimal degrees.",
    "bad_coords": "Type the coordinates as latitude, longitude in decimal degrees, for example 9.5051, -7.5643.",
    "bad_age": "The age must be a whole number of years between 0 and %(max)s.",
    "bad_max_km": "The maximum distance must be a number of kilometres between 0.1 and %(max)s.",
    "no_origin": "Say where the child is: type a town or village, or coordinates.",
    "check_search": "Please check the search.",
    # nearest.py (empty answers)
    "minors_only": "These structures receive minors (up to %(age)s years old): for a young adult, see the "
                   "contacts under “If nobody answers”.",
    "young_only": "These structures receive young people up to %(age)s years old: for someone older, see the "
                  "contacts under “If nobody answers”.",
    "none_within": "No suitable service within %(max_km)s km.",
    "widen": "The nearest suitable service is %(km)s km away: widen the search.",
    "no_match": "No service in the directory matches these criteria.",
    "fewer": "Ask for fewer needs, or another category, age or sex.",
    # sheet.html
    "print": "Print", "back": "Back to the search", "sheet_title": "Referral sheet",
    "printed_on": "Printed on %(date)s", "departure": "Departure", "needs": "Needs",
    "not_specified": "Not specified", "type_of_structure": "Type of structure",
    "sheet_note": "This sheet carries no personal information about the child. Do not write any on it.",
    "phone_colon": "Phone:", "phone_not_recorded": "not recorded (to be verified)",
    "last_verified_on": "Last verified: %(date)s", "last_verified_never": "Last verified: never (to be verified)",
    "confidential_town": "confidential place: town only",
    "sheet_method": "Distances: straight line; road distance and time estimated (× %(detour)s, %(speed)s km/h). "
                    "Directory data to be verified by phone before any transfer.",
    "sheet_source": "Source: webmap — directory of child protection structures in Côte d'Ivoire (Child "
                    "Protection Compact Partnership, Annex A, 2022); boundaries OCHA / CNTIG; places GeoNames.",
    "no_search_sheet": "No search: open this sheet from the results of a search.",
    "map_caption": "■ departure · numbered discs: the structures above; straight lines, not roads.",
    # directory/hours.py, _hours.html (opening hours and languages)
    "hours_range": "%(first)s to %(last)s", "hours_entry": "%(days)s: %(times)s", "hours_join": "; ",
    "hours_all_day": "24 hours", "hours_always_words": "24 hours a day, 7 days a week",
    "hours_always": "Open 24 hours a day", "hours_closes_today": "Open now — closes at %(time)s",
    "hours_closes_on": "Open now — closes %(day)s at %(time)s", "hours_opens": "Closed — opens %(day)s at %(time)s",
    "hours_not_recorded": "Opening hours not recorded", "languages_colon": "Languages:",
    "report_error": "Report an error", "structure_missing": "A structure is missing?",
    "propose_structure": "Propose a structure",
}

PLURALS = {
    "nearest_heading": ("The nearest suitable structure", "The %(num)d nearest suitable structures"),
    "places_available": ("%(num)d place available", "%(num)d places available"),
}


def _offline_phrases() -> dict[str, str]:
    """The offline mode's own phrases (webmap/offline/translations)."""
    return {
        "banner": _("Offline — data of %(date)s"),
        "banner_note": _("The search ran on this device, on the directory stored at the last connection: "
                         "call before referring."),
        "data_info": _("Offline data: %(date)s, %(size)s"),
        "data_none": _("No offline data on this device yet."),
        "update": _("Update the data"),
        "updating": _("Updating…"),
        "up_to_date": _("The data is up to date."),
        "updated": _("Data updated."),
        "update_failed": _("No connection: the data could not be updated."),
        "new_version": _("A new version of webmap is installed: reload the page to use it."),
        "reload": _("Reload"),
        "no_data_offline": _("No connection, and no directory stored on this device: open this page once "
                             "with a connection."),
    }


def catalogue(lang: str) -> dict:
    """Every phrase of the offline page in ``lang``."""
    with force_locale(lang):
        translations = get_translations()
        phrases = {key: translations.gettext(msgid) for key, msgid in PHRASES.items()}
        phrases.update(
            {key: [translations.ngettext(one, other, 1), translations.ngettext(one, other, 2)]
             for key, (one, other) in PLURALS.items()}
        )
        phrases.update(_offline_phrases())
        phrases["day_names"] = list(day_names(locale=lang))
        phrases["directions_8"] = [str(phrase) for phrase in words._DIRECTIONS]
        phrases["near"] = str(words._NEAR)
        phrases["categories"] = taxonomy.labels(taxonomy.CATEGORIES)
        phrases["needs_labels"] = taxonomy.labels(taxonomy.NEEDS)
        phrases["sexes_labels"] = taxonomy.labels(taxonomy.SEXES)
    return phrases


def catalogues() -> dict[str, dict]:
    return {lang: catalogue(lang) for lang in LANGUAGES}


def page_messages() -> dict[str, str]:
    """The offline phrases the page itself carries (in the cached shell, before any package)."""
    phrases = _offline_phrases()
    return {
        "offlineBanner": phrases["banner"],
        "offlineNote": phrases["banner_note"],
        "offlineInfo": phrases["data_info"],
        "offlineNone": phrases["data_none"],
        "offlineUpdate": phrases["update"],
        "offlineUpdating": phrases["updating"],
        "offlineUpToDate": phrases["up_to_date"],
        "offlineUpdated": phrases["updated"],
        "offlineUpdateFailed": phrases["update_failed"],
        "offlineNoData": phrases["no_data_offline"],
    }
