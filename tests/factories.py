"""Factory helpers that create valid directory records inside the test's transaction."""

from __future__ import annotations

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy.orm import Session

from webmap.models import AppUser, Location, Organization, Phone, Service, ServiceAtLocation
from webmap.text import fold

TEST_SOURCE = "tests"
TEST_PASSWORD = "mot de passe de test"


class Factories:
    def __init__(self, session: Session) -> None:
        self.session = session

    def organization(self, name: str = "Organisation de test", **fields) -> Organization:
        org = Organization(name=name, source=TEST_SOURCE, **fields)
        self.session.add(org)
        self.session.flush()
        return org

    def location(self, lon: float = -5.55, lat: float = 7.54, **fields) -> Location:
        fields.setdefault("precision", "exact")
        fields.setdefault("confidential", False)
        fields.setdefault("source", TEST_SOURCE)
        if fields["confidential"] and fields.get("place_id") is None and fields.get("town"):
            # As the form and the import do: a confidential place is shown at its named town.
            from webmap.directory.validation import find_town

            fields["place_id"] = find_town(self.session, fields["town"]).id
        loc = Location(geom=from_shape(Point(lon, lat), srid=4326), **fields)
        self.session.add(loc)
        self.session.flush()
        return loc

    def service(
        self,
        name: str = "Service de test",
        category: str = "social_centre",
        lon: float = -5.55,
        lat: float = 7.54,
        phones: tuple[str, ...] = (),
        location: dict | None = None,
        organization: Organization | None = None,
        **fields,
    ) -> Service:
        org = organization or self.organization()
        fields.setdefault("needs", [])
        fields.setdefault("source", TEST_SOURCE)
        svc = Service(name=name, name_key=fold(name), category=category, organization=org, **fields)
        self.session.add(svc)
        loc = self.location(lon=lon, lat=lat, organization_id=org.id, **(location or {}))
        self.session.add(ServiceAtLocation(service=svc, location=loc))
        for number in phones:
            self.session.add(Phone(service=svc, number=number))
        self.session.flush()
        return svc

    def user(
        self,
        role: str = "editor",
        organizations: list[Organization] | tuple[Organization, ...] = (),
        email: str | None = None,
        name: str | None = None,
        password: str = TEST_PASSWORD,
        **fields,
    ) -> AppUser:
        """An account (``role``: admin, editor, referral) signing in with ``password``.

        The hash is a cheap PBKDF2 to keep tests fast; real accounts get scrypt.
        """
        from werkzeug.security import generate_password_hash

        self._users = getattr(self, "_users", 0) + 1
        user = AppUser(
            email=email or f"{role}{self._users}@example.org",
            name=name or f"{role.capitalize()} {self._users}",
            role=role,
            password_hash=generate_password_hash(password, method="pbkdf2:sha256:1000"),
            active=fields.pop("active", True),
            organizations=list(organizations),
            **fields,
        )
        self.session.add(user)
        self.session.flush()
        return user


def sign_in(client, user: AppUser) -> None:
    """Sign ``user`` in on the test client, as the login form does: a server-side session (in
    the user's database session, so the test's transaction) whose token the cookie carries."""
    from sqlalchemy.orm import object_session

    from webmap.auth.sessions import open_session

    token = open_session(object_session(user), user)
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def csrf_token(client, path: str = "/auth/login") -> str:
    """The CSRF token of the client's session, read from a form page ("" when CSRF is off)."""
    import re

    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    return match.group(1) if match else ""
