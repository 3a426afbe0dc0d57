"""Always someone to call (Flask-free): the "If nobody answers" block and, for a result without a
phone, whom to ask instead.

**Fallback contacts** are directory records: the active services flagged
``service.fallback_contact`` (the child helpline 116, the national focal points of the Child
Protection Compact), never text written in a template. The helpline comes first, then the others
by name. Only what the public may see is read: a confidential location's address is never given.

**Whom to ask instead**, for a result with no phone number, the first that has a contact:

1. its organisation (the organisation's own phone numbers, or its e-mail address when it is not
   the result's own);
2. the social centre of its region (an active ``social_centre`` service with a phone, located in
   the same region, ADM1);
3. the helpline among the fallback contacts (116), else the first fallback contact with a phone.

Both read the database with the driver's connection (the search's lookup pool): a couple of
indexed statements, run only when they are needed (the second one only for phone-less results).
Given the data version (``webmap.dataversion.current``), each process keeps their answers in
memory until the next write to the directory: the block is the same for every request, and a
service's organisation or regional centre changes only with the data.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from ..dataversion import Version, VersionedCache

# The block, and per service whom to ask instead (a bounded number: searches reach all of them).
_contacts: VersionedCache[list[dict]] = VersionedCache(maxsize=1)
_askable: VersionedCache[dict | None] = VersionedCache(maxsize=20_000)

# Numbers one can call: not the fax lines.
_CALLABLE = "p.type IS DISTINCT FROM 'fax'"

_FALLBACK_SQL = f"""
SELECT s.id, s.name, s.alternate_name, s.category, s.email, o.website,
       ARRAY(SELECT p.number FROM phone p WHERE p.service_id = s.id AND {_CALLABLE}
             ORDER BY p.number) AS phones,
       loc.town, CASE WHEN loc.confidential THEN NULL ELSE loc.address END AS address
FROM service s
JOIN organization o ON o.id = s.organization_id
LEFT JOIN LATERAL (
    SELECT l.town, l.address, l.confidential
    FROM service_at_location sal JOIN location l ON l.id = sal.location_id
    WHERE sal.service_id = s.id
    ORDER BY l.confidential, l.id
    LIMIT 1
) loc ON true
WHERE s.fallback_contact AND s.status = 'active'
ORDER BY s.category = 'helpline' DESC, s.name, s.id
"""

_ASK_SQL = f"""
SELECT s.id, o.name AS organization, o.email AS organization_email,
       ARRAY(SELECT p.number FROM phone p WHERE p.organization_id = o.id AND {_CALLABLE}
             ORDER BY p.number) AS organization_phones,
       centre.name AS centre, centre.phones AS centre_phones
FROM service s
JOIN organization o ON o.id = s.organization_id
LEFT JOIN LATERAL (
    SELECT l.adm1_pcode
    FROM service_at_location sal JOIN location l ON l.id = sal.location_id
    WHERE sal.service_id = s.id AND l.adm1_pcode IS NOT NULL
    ORDER BY l.id
    LIMIT 1
) region ON true
LEFT JOIN LATERAL (
    SELECT c.name, ARRAY(SELECT p.number FROM phone p WHERE p.service_id = c.id AND {_CALLABLE}
                         ORDER BY p.number) AS phones
    FROM service c
    JOIN service_at_location csal ON csal.service_id = c.id
    JOIN location cl ON cl.id = csal.location_id
    WHERE c.category = 'social_centre' AND c.status = 'active' AND c.id <> s.id
      AND cl.adm1_pcode = region.adm1_pcode
      AND EXISTS (SELECT 1 FROM phone p WHERE p.service_id = c.id AND {_CALLABLE})
    ORDER BY c.name, c.id
    LIMIT 1
) centre ON true
WHERE s.id = ANY(%(ids)s)
"""


def fallback_contacts(connection: psycopg.Connection, version: Version | None = None) -> list[dict]:
    """The "If nobody answers" block: every active fallback contact, the helpline first.

    With ``version``, the block is read once per data version and process, and the same list is
    returned to every caller: read it, do not change it."""
    if version is not None:
        return _contacts.get_or_compute(version, None, lambda: fallback_contacts(connection))
    with connection.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(_FALLBACK_SQL).fetchall()
    return [
        {
            "id": str(row["id"]),
            "name": row["name"],
            "alternate_name": row["alternate_name"],
            "category": row["category"],
            "phones": list(row["phones"]),
            "email": row["email"],
            "website": row["website"],
            "town": row["town"],
            "address": row["address"],
        }
        for row in rows
    ]


def _helpline(fallback: list[dict]) -> dict | None:
    callable_ = [contact for contact in fallback if contact["phones"]]
    helplines = [contact for contact in callable_ if contact["category"] == "helpline"]
    return (helplines or callable_ or [None])[0]


def _ask_rows(connection: psycopg.Connection, ids: list[str], version: Version | None) -> dict[str, dict | None]:
    """Per service id: its organisation's contacts and its region's social centre (``_ASK_SQL``),
    ``None`` for an id the directory lacks; with ``version``, those already read come from memory."""
    found: dict[str, dict | None] = {}
    wanted = ids
    if version is not None:
        wanted = []
        for service_id in ids:
            hit, row = _askable.get(version, service_id)
            if hit:
                found[service_id] = row
            else:
                wanted.append(service_id)
    if wanted:
        with connection.cursor(row_factory=dict_row) as cursor:
            rows = cursor.execute(_ASK_SQL, {"ids": wanted}).fetchall()
        read = {str(row["id"]): row for row in rows}
        for service_id in wanted:
            found[service_id] = read.get(service_id)
            if version is not None:
                _askable.put(version, service_id, found[service_id])
    return found


def ask_instead(
    connection: psycopg.Connection, results: list[dict], fallback: list[dict], version: Version | None = None
) -> None:
    """Set ``ask_instead`` on every result: ``None`` when it has a phone, else whom to ask
    (``{"kind": "organization" | "social_centre" | "helpline", "name", "phones", "email"}``,
    or ``None`` when the directory holds no one at all). ``version``: see ``fallback_contacts``."""
    missing = [result for result in results if not result["phones"]]
    for result in results:
        result["ask_instead"] = None
    if not missing:
        return
    by_id = _ask_rows(connection, [result["id"] for result in missing], version)
    helpline = _helpline(fallback)
    for result in missing:
        result["ask_instead"] = _whom(result, by_id.get(result["id"]), helpline)


def _whom(result: dict, row: dict | None, helpline: dict | None) -> dict | None:
    """The rule of ``ask_instead`` for one phone-less result (``row``: its ``_ASK_SQL`` row)."""
    # The organisation's e-mail when it is the result's own says nothing new: look further.
    new_email = row is not None and row["organization_email"] not in (None, result.get("email"))
    if row is not None and (row["organization_phones"] or new_email):
        return {
            "kind": "organization",
            "name": row["organization"],
            "phones": list(row["organization_phones"]),
            "email": row["organization_email"],
        }
    if row is not None and row["centre"]:
        return {"kind": "social_centre", "name": row["centre"], "phones": list(row["centre_phones"]), "email": None}
    if helpline is not None:
        return {"kind": "helpline", "name": helpline["name"], "phones": list(helpline["phones"]), "email": None}
    return None


# The same rows as ``_ASK_SQL`` for every phone-less live service at once (the offline package):
# each organisation and each region's first social centre read once, not once per service.
_ASK_ALL_SQL = f"""
WITH region AS (
    SELECT DISTINCT ON (sal.service_id) sal.service_id, l.adm1_pcode
    FROM service_at_location sal JOIN location l ON l.id = sal.location_id
    WHERE l.adm1_pcode IS NOT NULL
    ORDER BY sal.service_id, l.id
), centre AS (
    SELECT DISTINCT ON (cl.adm1_pcode) cl.adm1_pcode, c.name,
           ARRAY(SELECT p.number FROM phone p WHERE p.service_id = c.id AND {_CALLABLE} ORDER BY p.number) AS phones
    FROM service c
    JOIN service_at_location csal ON csal.service_id = c.id
    JOIN location cl ON cl.id = csal.location_id
    WHERE c.category = 'social_centre' AND c.status = 'active' AND cl.adm1_pcode IS NOT NULL
      AND EXISTS (SELECT 1 FROM phone p WHERE p.service_id = c.id AND {_CALLABLE})
    ORDER BY cl.adm1_pcode, c.name, c.id
), organization_phones AS (
    SELECT p.organization_id, array_agg(p.number ORDER BY p.number) AS phones
    FROM phone p WHERE p.organization_id IS NOT NULL AND {_CALLABLE}
    GROUP BY p.organization_id
)
SELECT s.id, o.name AS organization, o.email AS organization_email,
       coalesce(op.phones, ARRAY[]::varchar[]) AS organization_phones,
       centre.name AS centre, centre.phones AS centre_phones
FROM service s
JOIN organization o ON o.id = s.organization_id
LEFT JOIN organization_phones op ON op.organization_id = o.id
LEFT JOIN region ON region.service_id = s.id
LEFT JOIN centre ON centre.adm1_pcode = region.adm1_pcode
WHERE s.id = ANY(%(ids)s)
"""


def ask_instead_all(connection: psycopg.Connection, results: list[dict], fallback: list[dict]) -> None:
    """``ask_instead`` for many results at once (set-based; the same rule and the same answers)."""
    missing = [result for result in results if not result["phones"]]
    for result in results:
        result["ask_instead"] = None
    if not missing:
        return
    with connection.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(_ASK_ALL_SQL, {"ids": [result["id"] for result in missing]}).fetchall()
    by_id = {str(row["id"]): row for row in rows}
    helpline = _helpline(fallback)
    for result in missing:
        result["ask_instead"] = _whom(result, by_id.get(result["id"]), helpline)
