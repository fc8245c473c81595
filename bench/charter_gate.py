"""Measure what the charter gate costs per request.

Runs in-process with Django's test Client against a throw-away test database
(SQLite in memory by default; PostgreSQL when DATABASE_URL points to it), and
times two tiny views N times with and without `portal.middleware.CharterGateMiddleware`:

- /bench/ping/   answers "ok" without touching request.user (the worst case for
                 the gate: it is the one that loads the user);
- /bench/whoami/ reads request.user, like every portal page (its header shows her name).

For each, it prints the mean and median time per request (µs) and the number of
database queries per request. With the gate, the user has accepted the charter in
force and the cache is warm, which is the steady state; a cold-cache line shows the
fallback (one query, then cached).

    python bench/charter_gate.py [-n 2000]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
)
from django.urls import include, path  # noqa: E402

GATE = "portal.middleware.CharterGateMiddleware"


def ping(request):
    return HttpResponse("ok")


def whoami(request):
    return HttpResponse(request.user.get_username())


URLCONF = ModuleType("bench_urls")
URLCONF.urlpatterns = [
    path("bench/ping/", ping),
    path("bench/whoami/", whoami),
    path("", include("portal.urls")),
]


def measure(client, url, n, *, cold=False):
    for _ in range(200):  # warm-up
        client.get(url)
    timings, queries = [], 0
    for _ in range(n):
        if cold:
            cache.clear()
        connection.queries_log.clear()  # a bounded deque: keep the capture's indices valid
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter_ns()
            response = client.get(url)
            timings.append(time.perf_counter_ns() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries += len(ctx.captured_queries)
    return statistics.mean(timings) / 1000, statistics.median(timings) / 1000, queries / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per measurement")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from profiles import services
        from profiles.models import NationalProfile
        from tests.factories import CharterFactory, UserFactory

        user = UserFactory(profiles=[NationalProfile.TEACHER])
        charter = CharterFactory(version=1)
        services.charter_accept(user=user, charter=charter)
        without = [m for m in settings.MIDDLEWARE if m != GATE]
        with_gate = list(settings.MIDDLEWARE)
        assert GATE in with_gate

        vendor = connection.vendor
        print(f"Charter gate benchmark — {args.n} requests each, database {vendor}, "
              f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
        print(f"{'view':16} {'middleware':22} {'mean µs':>9} {'median µs':>10} {'queries/req':>12}")
        rows = []
        for url in ("/bench/ping/", "/bench/whoami/"):
            for label, middleware, cold in (
                ("without gate", without, False),
                ("with gate (warm)", with_gate, False),
                ("with gate (cold)", with_gate, True),
            ):
                with override_settings(ROOT_URLCONF=URLCONF, MIDDLEWARE=middleware):
                    # A new Client per scenario: a Client builds its middleware chain once.
                    client = Client()
                    client.force_login(user)
                    mean, median, queries = measure(client, url, args.n, cold=cold)
                rows.append((url, label, mean, median, queries))
                print(f"{url:16} {label:22} {mean:9.1f} {median:10.1f} {queries:12.2f}")
        for url in ("/bench/ping/", "/bench/whoami/"):
            base = next(r for r in rows if r[0] == url and r[1] == "without gate")
            warm = next(r for r in rows if r[0] == url and r[1] == "with gate (warm)")
            print(f"gate overhead on {url}: {warm[2] - base[2]:+.1f} µs mean, "
                  f"{warm[3] - base[3]:+.1f} µs median, {warm[4] - base[4]:+.2f} queries/request")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
