"""Measure what the readers' pages cost: a news item, a space's home and « Mon fil ».

Runs in-process with Django's test Client against a throw-away test database
(SQLite by default; PostgreSQL when DATABASE_URL points to it). Builds a dataset
through the services (schools and communes with their spaces, N published items per
space with mixed audiences, a parent with children in two schools of two communes,
and other schools she has nothing to do with), then times each page N times for the
logged-in parent, against a trivial view of the same project (same middleware, reads
request.user like every portal page) returning a page of the same size.

Prints p50 and p90 (ms) and the queries per request.

    python bench/reading.py [--items 50] [--other-schools 6] [-n 300]
"""

import argparse
import datetime
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

from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
)
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

SIZES: dict[str, int] = {}


def trivial(request, name):
    """The floor: the same middleware, the user read, a page of the same size."""
    return HttpResponse(request.user.get_username().encode()[:0] + b"x" * SIZES[name])


URLCONF = ModuleType("bench_reading_urls")
URLCONF.urlpatterns = [
    path("bench/trivial/<str:name>/", trivial),
    path("", include("portal.urls")),
]


def build(items_per_space: int, other_schools: int):
    from pages.models import Audience, EventPage, NewsIndexPage, NewsPage
    from pages.services import (
        portal_tree_ensure,
        space_ensure_for_collectivity,
        space_ensure_for_school,
    )
    from profiles import services
    from profiles.models import Attachment, NationalProfile as P
    from tests.factories import (
        CollectivityFactory,
        SchoolClassFactory,
        SchoolFactory,
        UserFactory,
    )

    K = Attachment.Kind
    portal_tree_ensure()
    communes = [CollectivityFactory(name="Toulouse"), CollectivityFactory(name="Albi")]
    schools = [SchoolFactory(name="École Jean Jaurès", collectivity=communes[0]),
               SchoolFactory(name="École Jules Ferry", collectivity=communes[1], city="Albi")]
    schools += [SchoolFactory(collectivity=communes[i % 2]) for i in range(other_schools)]
    classes = [SchoolClassFactory(school=s) for s in schools]
    spaces = [space_ensure_for_school(s) for s in schools]
    spaces += [space_ensure_for_collectivity(c) for c in communes]
    parent = UserFactory(username="parent.bench", profiles=[P.PARENT])
    for klass in classes[:2]:
        pupil = UserFactory(profiles=[P.PUPIL])
        services.attachment_add(user=pupil, kind=K.PUPIL, school_class=klass)
        services.attachment_add(user=parent, kind=K.GUARDIAN, pupil=pupil)
    audiences = [Audience.PUBLIC, Audience.COMMUNITY, Audience.PARENTS, Audience.STAFF]
    now = timezone.now()
    sample = {}
    for s_index, space in enumerate(spaces):
        index = space.get_children().type(NewsIndexPage).first().specific
        for i in range(items_per_space):
            audience = audiences[i % len(audiences)]
            fields = dict(title=f"Nouvelle {i} — {space.title}", slug=f"n-{i}", live=False,
                          audience=audience, intro="Un chapô de deux lignes pour la liste. " * 3)
            if i % 3 == 0:
                page = EventPage(starts_at=now + datetime.timedelta(days=i % 30 - 5), place="Préau",
                                 **fields)
            else:
                page = NewsPage(**fields)
            index.add_child(instance=page)
            page.save_revision().publish()
            if s_index == 0 and audience == Audience.PARENTS and isinstance(page, NewsPage):
                sample["news item"] = page.url
    sample["space home"] = spaces[0].url
    sample["mon fil"] = "/mon-fil/"
    return parent, sample


def measure(client, url, n):
    for _ in range(20):  # warm-up
        client.get(url)
    timings, queries = [], []
    for _ in range(n):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter_ns()
            response = client.get(url)
            timings.append((time.perf_counter_ns() - start) / 1e6)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(ctx.captured_queries))
    timings.sort()
    p90 = timings[int(len(timings) * 0.9) - 1]
    return statistics.median(timings), p90, statistics.mean(queries), len(response.content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50, help="published items per space")
    parser.add_argument("--other-schools", type=int, default=6)
    parser.add_argument("-n", type=int, default=300, help="requests per measurement")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        start = time.perf_counter()
        parent, urls = build(args.items, args.other_schools)
        built = time.perf_counter() - start
        spaces = args.other_schools + 4
        print(f"Readers' pages — database {connection.vendor}, {spaces} spaces × {args.items} "
              f"items ({spaces * args.items} publications, built in {built:.0f} s), "
              f"{args.n} requests each, logged-in parent with children in two schools")
        print(f"{'page':12} {'bytes':>7} {'p50 ms':>8} {'p90 ms':>8} {'queries':>8} │ "
              f"{'trivial p50':>11} {'p90':>6} {'queries':>8} │ {'p50 ×':>6}")
        with override_settings(ROOT_URLCONF=URLCONF):
            client = Client()
            client.force_login(parent)
            for name, url in urls.items():
                p50, p90, queries, size = measure(client, url, args.n)
                SIZES[name] = size
                t50, t90, tq, tsize = measure(client, f"/bench/trivial/{name}/", args.n)
                assert tsize == size
                print(f"{name:12} {size:7d} {p50:8.2f} {p90:8.2f} {queries:8.1f} │ "
                      f"{t50:11.2f} {t90:6.2f} {tq:8.1f} │ {p50 / t50:6.1f}")
        # The part every reader's request pays once: her keys (pages.visibility.reader_for).
        from pages.visibility import forget_reader, reader_for

        timings = []
        with CaptureQueriesContext(connection) as reader_queries:
            for _ in range(args.n):
                forget_reader(parent)
                start = time.perf_counter_ns()
                reader_for(parent)
                timings.append((time.perf_counter_ns() - start) / 1e6)
        timings.sort()
        print(f"of which reader_for (her keys, {len(reader_queries) / args.n:.0f} query): "
              f"p50 {statistics.median(timings):.2f} ms, "
              f"p90 {timings[int(len(timings) * 0.9) - 1]:.2f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
