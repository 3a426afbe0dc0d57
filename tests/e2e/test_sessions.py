"""In Chromium: a session cookie copied from a signed-in browser stops working when that browser
signs out (the server forgets the session; webmap/auth/sessions.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from webmap.auth.service import create_user

from .conftest import PASSWORD, purge, recording_page, sign_in

pytestmark = pytest.mark.e2e

EMAIL = "e2e-sessions@example.org"


@pytest.fixture()
def referral_account(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        user = create_user(session, EMAIL, "Agent de référence (e2e)", "referral", PASSWORD)
        session.commit()
        user_id = user.id
    try:
        yield EMAIL
    finally:
        with Session(engine) as session:
            purge(session, users=[user_id], emails=[EMAIL])  # its sessions go with the account
            session.commit()
        engine.dispose()


def test_a_copied_cookie_sees_the_public_view_after_sign_out(live_server, browser, page, referral_account):
    sign_in(page, live_server, referral_account)  # the real French form
    cookies = page.context.cookies()
    assert any(cookie["name"] == "session" for cookie in cookies)
    for copy in recording_page(browser):
        copy.context.add_cookies(cookies)
        copy.goto(live_server + "/directory/dashboard")
        assert copy.url.endswith("/directory/dashboard")  # the copy is signed in, as a thief would be
        page.get_by_role("button", name="Se déconnecter").click()
        # The map's address exactly: "/directory/" (where sign-in lands) also ends with "/", and
        # sign-out first clears the device's stored data, so it is not instantaneous.
        page.wait_for_url(live_server + "/")
        copy.goto(live_server + "/directory/dashboard")
        assert "/auth/login" in copy.url  # sent to the sign-in page: the public view
        assert copy.get_by_role("button", name="Se déconnecter").count() == 0
