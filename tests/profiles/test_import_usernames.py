"""Usernames given by the directory import: prénom.nom, then prénom.nom2… — never a
taken one, in few queries, with the run's hints (see `assign_usernames`)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from profiles.importing.reconcile import assign_usernames
from profiles.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def people(*names):
    return [User(first_name=f, last_name=n) for f, n in names]


def test_a_batch_of_namesakes_gets_consecutive_numbers_in_one_query():
    batch = people(*[("Marie", "Martin")] * 14, ("Éloïse", "d'Artagnan"))
    with CaptureQueriesContext(connection) as ctx:
        assign_usernames(batch)
    assert [u.username for u in batch] == (
        ["marie.martin"] + [f"marie.martin{n}" for n in range(2, 15)] + ["eloise.d-artagnan"])
    assert len(ctx.captured_queries) == 1


def test_taken_names_are_skipped_over_several_rounds():
    UserFactory(username="paul.roux")
    for n in range(2, 26):
        UserFactory(username=f"paul.roux{n}")
    UserFactory(username="paul.roux27")
    batch = people(("Paul", "Roux"), ("Paul", "Roux"))
    assign_usernames(batch)
    assert [u.username for u in batch] == ["paul.roux26", "paul.roux28"]


def test_the_hints_of_a_run_start_where_the_last_school_stopped():
    hints = {}
    first = people(("Marie", "Martin"), ("Marie", "Martin"))
    assign_usernames(first, hints)
    User.objects.bulk_create(first)
    assert hints == {"marie.martin": 3}
    later = people(("Marie", "Martin"))
    with CaptureQueriesContext(connection) as ctx:
        assign_usernames(later, hints)
    assert later[0].username == "marie.martin3"
    assert len(ctx.captured_queries) == 1
    # The names the hint looks at are only 3, 4 and 5: not 1 to 10 again.
    assert "'marie.martin'" not in ctx.captured_queries[0]["sql"]


def test_a_stale_hint_never_gives_a_taken_name():
    # Someone made marie.martin3 to 5 by hand since the hint was written.
    for n in (3, 4, 5):
        UserFactory(username=f"marie.martin{n}")
    hints = {"marie.martin": 3}
    batch = people(("Marie", "Martin"))
    assign_usernames(batch, hints)
    assert batch[0].username == "marie.martin6"
    assert hints["marie.martin"] == 7
    User.objects.bulk_create(batch)  # the unique index agrees
