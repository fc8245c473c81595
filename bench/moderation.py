"""Measure the moderation queue: the approval of a message to a school of 400 pupils
(about 700 parent accounts), the director's queue and a parent's inbox.

Runs in-process with Django's test Client against a throw-away test database (SQLite
by default; PostgreSQL when DATABASE_URL points to it). The school's families are
bulk-inserted (test data); the message goes through the services (submit, approve).
Prints the time and queries of each approval (each a new message to the same school:
the INSERT … SELECT of its deliveries), and p50/p90 ms and queries of the queue page
(`--pending` messages waiting) and of the inbox (`--inbox` messages received).

    python bench/moderation.py [--pupils 400] [--approvals 10] [--pending 50] [--inbox 50] [-n 200]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
)


def build(pupils: int):
    from moderation import services as ms
    from moderation.models import Association
    from pages.services import portal_tree_ensure, space_ensure_for_school
    from profiles import services
    from profiles.models import Attachment, NationalProfile as P, User, UserProfile
    from tests.factories import SchoolClassFactory, SchoolFactory, UserFactory

    K = Attachment.Kind
    portal_tree_ensure()
    school = SchoolFactory(name="École Jean Jaurès")
    space_ensure_for_school(school)
    classes = [SchoolClassFactory(school=school, name=f"Classe {i}") for i in range(16)]
    director = UserFactory(username="directrice.bench", profiles=[P.DIRECTOR])
    services.attachment_add(user=director, kind=K.DIRECTOR, school=school)
    kids = User.objects.bulk_create([User(username=f"eleve{i}") for i in range(pupils)])
    # 3 families in 4 have two guardians: about 700 parents for 400 pupils.
    n_parents = pupils + (pupils * 3) // 4
    parents = User.objects.bulk_create([User(username=f"parent{i}", email=f"p{i}@example.org")
                                        for i in range(n_parents)])
    UserProfile.objects.bulk_create([UserProfile(user=u, profile=P.PUPIL) for u in kids]
                                    + [UserProfile(user=u, profile=P.PARENT) for u in parents])
    year = classes[0].school_year
    rows = [Attachment(user=k, kind=K.PUPIL, school=school, school_class=classes[i % 16],
                       school_year=year) for i, k in enumerate(kids)]
    rows += [Attachment(user=parents[i], kind=K.GUARDIAN, pupil=kids[i], school_year=year)
             for i in range(pupils)]
    rows += [Attachment(user=parents[pupils + j], kind=K.GUARDIAN, pupil=kids[j], school_year=year)
             for j in range(n_parents - pupils)]
    Attachment.objects.bulk_create(rows)
    member = parents[0]
    association = ms.association_create(by=director, name="FCPE bench", kind=Association.Kind.LOCAL,
                                        contact_email="fcpe@example.org")
    ms.member_add(by=director, association=association, user=member)
    ms.authorization_grant(by=director, association=association, school=school)
    return school, director, member, association, n_parents


def new_pending(member, association, school, i):
    from moderation import services as ms

    message = ms.message_save(by=member, association=association, school=school,
                              subject=f"Message {i}",
                              body="Bonjour,\n\nLa réunion du conseil local aura lieu mardi.")
    return ms.message_submit(by=member, message=message, rules_accepted=True)


def measure(client, url, n):
    for _ in range(10):
        client.get(url)
    timings, queries = [], []
    for _ in range(n):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter_ns()
            response = client.get(url)
            timings.append((time.perf_counter_ns() - start) / 1e6)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(ctx.captured_queries))
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.9) - 1], statistics.mean(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=400)
    parser.add_argument("--approvals", type=int, default=10)
    parser.add_argument("--pending", type=int, default=50)
    parser.add_argument("--inbox", type=int, default=50)
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from moderation import services as ms
        from moderation.models import Delivery

        rates = {"association_submit": (10**6, 3600), "password_reset_account": (3, 3600),
                 "password_reset_ip": (30, 3600), "data_request_user": (5, 86400)}
        with override_settings(RATE_LIMITS=rates):
            school, director, member, association, n_parents = build(args.pupils)
            print(f"Moderation — database {connection.vendor}, a school of {args.pupils} pupils "
                  f"and {n_parents} parents")
            timings, queries, delivered = [], [], 0
            for i in range(args.approvals):
                message = new_pending(member, association, school, i)
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter_ns()
                    delivered = ms.message_approve(by=director, message=message,
                                                   version=message.version)
                    timings.append((time.perf_counter_ns() - start) / 1e6)
                queries.append(len(ctx.captured_queries))
            timings.sort()
            print(f"approval + delivery to {delivered} parents: p50 {statistics.median(timings):.1f} ms, "
                  f"max {timings[-1]:.1f} ms, {statistics.mean(queries):.0f} queries "
                  f"({args.approvals} approvals)")
            for i in range(max(0, args.inbox - args.approvals)):
                message = new_pending(member, association, school, 1000 + i)
                ms.message_approve(by=director, message=message, version=message.version)
            for i in range(args.pending):
                new_pending(member, association, school, 2000 + i)
            client = Client()
            client.force_login(director)
            p50, p90, q = measure(client, "/admin/moderation/", args.n)
            print(f"queue page ({args.pending} pending, 25 shown with their reach): "
                  f"p50 {p50:.1f} ms, p90 {p90:.1f} ms, {q:.0f} queries")
            reader = Delivery.objects.filter(message__school=school).values_list(
                "recipient", flat=True).first()
            client.force_login(type(director).objects.get(pk=reader))
            p50, p90, q = measure(client, "/messages/", args.n)
            print(f"inbox ({Delivery.objects.filter(recipient=reader).count()} messages, 20 a page): "
                  f"p50 {p50:.1f} ms, p90 {p90:.1f} ms, {q:.0f} queries")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
