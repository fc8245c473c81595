"""Query counts of the queue, the delivery and the inbox: the same with 5 and with 50
items (django_assert_max_num_queries with one budget for both sizes)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation import selectors, services as ms
from moderation.models import Delivery, Message
from profiles.models import Attachment, NationalProfile, User, UserProfile
from tests.moderation.world import draft

K = Attachment.Kind


def _families(w, n, school_class):
    """n pupils of the class, each with two guardians (bulk: test data, not the code)."""
    year = school_class.school_year
    start = User.objects.count()
    pupils = User.objects.bulk_create([User(username=f"bulk.eleve{start + i}") for i in range(n)])
    parents = User.objects.bulk_create(
        [User(username=f"bulk.parent{start + i}", email=f"p{start + i}@example.org")
         for i in range(2 * n)])
    UserProfile.objects.bulk_create(
        [UserProfile(user=p, profile=NationalProfile.PUPIL) for p in pupils]
        + [UserProfile(user=p, profile=NationalProfile.PARENT) for p in parents])
    Attachment.objects.bulk_create(
        [Attachment(user=p, kind=K.PUPIL, school=school_class.school, school_class=school_class,
                    school_year=year) for p in pupils]
        + [Attachment(user=parents[2 * i + j], kind=K.GUARDIAN, pupil=pupils[i], school_year=year)
           for i in range(n) for j in (0, 1)])
    return parents


def _pending_messages(w, n):
    messages = []
    for i in range(n):
        message = draft(w, subject=f"Message {i}")
        Message.objects.filter(pk=message.pk)  # noqa: B018
        messages.append(ms.message_submit(by=w.member, message=message, rules_accepted=True))
    return messages


@pytest.mark.parametrize("n", [5, 50])
def test_queue_constant_queries(mworld, client, django_assert_max_num_queries, settings, n):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "association_submit": (1000, 3600)}
    w = mworld
    _pending_messages(w, n)
    with django_assert_max_num_queries(4):
        rows = selectors.with_reach(selectors.queue_for(w.director_j)[:25])
        [m.reach for m in rows], [list(m.audience_classes.all()) for m in rows]
    assert len(rows) == min(n, 25)
    client.force_login(w.director_j)
    client.get("/admin/moderation/")  # warm Wagtail's own per-process caches
    with django_assert_max_num_queries(18):  # Wagtail's admin shell included
        response = client.get("/admin/moderation/")
    assert response.status_code == 200
    assert response.content.decode().count("/admin/moderation/messages/") >= min(n, 25)


@pytest.mark.parametrize("n", [5, 50])
def test_delivery_is_one_statement(mworld, django_assert_max_num_queries, n):
    w = mworld
    _families(w, n, w.class_j)
    message = ms.message_submit(by=w.member, message=draft(w), rules_accepted=True)
    with CaptureQueriesContext(connection) as queries:
        count = ms.message_approve(by=w.director_j, message=message, version=message.version)
    inserts = [q for q in queries.captured_queries
               if q["sql"].startswith("INSERT") and "moderation_delivery" in q["sql"]]
    assert len(inserts) == 1
    # + parent.martin, fcpe.jaures (of the world); never the parent without consent.
    assert count == 2 * n + 2 == Delivery.objects.filter(message=message).count()
    # The whole approval (the locks of the authorisations and of the message, checks, the
    # decision, the targeted pupils, the delivery, the count, the audit log, the author's
    # mail) is the same number of queries whatever the recipients.
    assert len(queries.captured_queries) <= 20


@pytest.mark.parametrize("n", [5, 50])
def test_inbox_constant_queries(mworld, client, django_assert_max_num_queries, settings, n):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "association_submit": (1000, 3600)}
    w = mworld
    for message in _pending_messages(w, n):
        ms.message_approve(by=w.director_j, message=message, version=message.version)
    client.force_login(w.parent)
    client.get("/messages/")
    with django_assert_max_num_queries(6):
        response = client.get("/messages/")
    body = response.content.decode()
    assert body.count('href="/messages/') >= min(n, 20)
    delivery = Delivery.objects.filter(recipient=w.parent).first()
    with django_assert_max_num_queries(7):
        assert client.get(f"/messages/{delivery.pk}/").status_code == 200


@pytest.mark.parametrize("n", [5, 50])
def test_member_home_constant_queries(mworld, client, django_assert_max_num_queries, settings, n):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "association_submit": (1000, 3600)}
    w = mworld
    _pending_messages(w, n)
    client.force_login(w.member)
    client.get("/associations/")
    with django_assert_max_num_queries(6):
        response = client.get("/associations/")
    assert response.content.decode().count("/associations/messages/") >= min(n, 20)
