#!/usr/bin/env python
"""Benchmark: what server-side sessions and the sign-in throttle cost, with a same-run baseline.

Against the database of ``DATABASE_URL`` (migrated; any of the project's databases), in process
(Flask test client, no network): a temporary referral account is committed, signed in through
the form, and deleted at the end with its sessions and attempts.

* ``GET /healthz`` ``--requests`` times, ``--rounds`` times over, anonymously (the baseline) and signed in (each request
  looks its session up in ``user_session``): milliseconds per request and the difference;
* the session lookup alone against a primary-key lookup of the account (the former loader);
* ``--concurrent`` wrong passwords sent at once on that account from one address: how many
  passwords were checked (the throttle allows ``FREE_FAILURES``) and how long the burst took.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/webmap .venv/bin/python scripts/bench_sessions.py
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from webmap import create_app  # noqa: E402
from webmap.auth import throttle  # noqa: E402
from webmap.auth.service import create_user  # noqa: E402
from webmap.auth.sessions import user_for_token  # noqa: E402
from webmap.extensions import db  # noqa: E402
from webmap.models import AppUser, LoginAttempt  # noqa: E402

PASSWORD = "une phrase de banc d'essai"
ADDRESS = "10.99.99.99"


def _token(client) -> str:
    page = client.get("/auth/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    return found.group(1) if found else ""


def _per_request_ms(clients: list, requests: int, rounds: int) -> list[float]:
    """For each client, the median over ``rounds`` of the mean time of ``requests`` GET /healthz
    (ms); the clients take turns within each round, so a change of machine load hits all alike."""
    means: list[list[float]] = [[] for _ in clients]
    for _ in range(rounds):
        for i, client in enumerate(clients):
            start = time.perf_counter()
            for _ in range(requests):
                assert client.get("/healthz").status_code == 200
            means[i].append((time.perf_counter() - start) * 1000 / requests)
    return [statistics.median(m) for m in means]


def _lookup_ms(engine, token: str, user_id: uuid.UUID, calls: int, rounds: int) -> tuple[float, float]:
    """The loader alone, as each request runs it (its own transaction, rolled back): the session
    lookup of today against the account's primary-key lookup the former loader did (baseline)."""
    timings: tuple[list[float], list[float]] = ([], [])
    with Session(engine) as session:
        for _ in range(rounds):
            for i, lookup in enumerate((lambda: session.get(AppUser, user_id),
                                        lambda: user_for_token(session, token))):
                start = time.perf_counter()
                for _ in range(calls):
                    assert lookup() is not None
                    session.rollback()  # ends the transaction and empties the identity map
                timings[i].append((time.perf_counter() - start) * 1000 / calls)
    return statistics.median(timings[0]), statistics.median(timings[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--concurrent", type=int, default=40)
    args = parser.parse_args()
    app = create_app({"SECRET_KEY": "bench-only"})
    email = f"bench-sessions-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context():  # requests must run outside it: a request reuses an outer context's g
        engine = db.engine
    with Session(engine) as session:
        user_id = create_user(session, email, "Banc d'essai", "referral", PASSWORD).id
        session.commit()
    try:
        anonymous = app.test_client()
        signed_in = app.test_client()
        response = signed_in.post("/auth/login", data={"email": email, "password": PASSWORD,
                                                       "csrf_token": _token(signed_in)})
        assert response.status_code == 302, response.status_code
        _per_request_ms([anonymous, signed_in], 50, rounds=1)  # warm up
        base, with_session = _per_request_ms([anonymous, signed_in], args.requests, args.rounds)
        with signed_in.session_transaction() as cookie:
            token = cookie["_user_id"]
        by_key, by_token = _lookup_ms(engine, token, user_id, args.requests, args.rounds)

        clients = [app.test_client() for _ in range(args.concurrent)]
        tokens = [_token(c) for c in clients]
        barrier = threading.Barrier(args.concurrent)

        def attempt(i: int) -> int:
            barrier.wait()
            return clients[i].post("/auth/login", data={
                "email": email, "password": "mauvais mot de passe", "csrf_token": tokens[i],
            }, environ_base={"REMOTE_ADDR": ADDRESS}).status_code

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrent) as pool:
            statuses = list(pool.map(attempt, range(args.concurrent)))
        burst = time.perf_counter() - start
        with Session(engine) as session:
            checked = session.scalar(select(func.count()).select_from(LoginAttempt).where(
                LoginAttempt.email == email, LoginAttempt.succeeded.is_(False)))
    finally:
        with Session(engine) as session:
            session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
            session.execute(delete(AppUser).where(AppUser.id == user_id))  # its sessions cascade
            session.commit()
        with app.app_context():
            db.dispose()
    load = os.getloadavg()[0]
    print(f"GET /healthz, {args.requests} requests x {args.rounds} alternating rounds (median), load {load:.1f}")
    print(f"  anonymous (baseline)      {base:.3f} ms/request")
    print(f"  signed in (session check) {with_session:.3f} ms/request  (+{with_session - base:.3f} ms)")
    print(f"the loader alone, {args.requests} calls x {args.rounds} alternating rounds (median)")
    print(f"  account by primary key (former loader) {by_key:.3f} ms/call")
    print(f"  live session by token (user_session)   {by_token:.3f} ms/call  (+{by_token - by_key:.3f} ms)")
    print(f"{args.concurrent} concurrent wrong passwords, one account, one address: {burst:.2f} s")
    print(f"  passwords checked {checked} (allowed {throttle.FREE_FAILURES}); "
          f"answers {dict(sorted(Counter(statuses).items()))}")
    return 0 if checked <= throttle.FREE_FAILURES and statuses.count(401) == checked else 1


if __name__ == "__main__":
    sys.exit(main())
