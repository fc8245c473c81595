"""The benchmark harness in CI (issue 9: « tiny runs in CI as a smoke test »), on both
databases: the `tiny` dataset is built the way `python -m bench.build` builds it (AAF
export → directory import → content), its check finds it equal to what the services
make — and finds it when it is not —, and every measurement of `bench.run` runs on it."""

import pytest
from django.db import connection
from django.db.models import Sum

from bench import content as bench_content
from bench.check import check_all
from bench.directory_import import SEED, generate, plan_world, reference_directory
from profiles.importing import run_import

pytestmark = pytest.mark.django_db(transaction=False)


def build_tiny(tmp_path) -> dict:
    reference_directory(plan_world("tiny", SEED))
    generate("tiny", SEED, tmp_path / "aaf", split=200)
    report = run_import(kind="aaf", folder=tmp_path / "aaf", apply=True, by=None)
    assert not report.fatal and {s.status for s in report.schools} == {"applied"}
    return bench_content.build_content("tiny", SEED)


def test_the_tiny_dataset_holds_every_case_and_equals_what_the_services_make(tmp_path):
    from moderation.models import Delivery, Message
    from pages.models import EventPage, NewsPage, PageReaderKey, StandardPage
    from profiles.models import CharterAcceptance, Role, RoleGrant

    built = build_tiny(tmp_path)
    spec = bench_content.CONTENT["tiny"]
    pubs = built["publications"]
    assert pubs["total"] == spec["publications"]
    assert NewsPage.objects.count() + EventPage.objects.count() + StandardPage.objects.count() == \
        spec["publications"]
    for case in ("school:public", "school:community", "school:parents", "school:staff", "school:classes",
                 "commune:community", "school:event", "school:page", "drafts"):
        assert pubs.get(case), case
    assert Message.objects.count() == spec["messages"]
    assert set(Message.objects.values_list("status", flat=True)) == set(Message.Status.values)
    approved = Message.objects.filter(status=Message.Status.APPROVED)
    assert Delivery.objects.count() == approved.aggregate(n=Sum("recipients_count"))["n"] > 0
    assert RoleGrant.objects.filter(role=Role.REFERENT_VILLE).count() == built["referents"] == 2
    assert CharterAcceptance.objects.count() == built["charter"]["acceptances"] > 0
    assert PageReaderKey.objects.filter(page__in=NewsPage.objects.all()).exists()

    result = check_all(SEED, per_case=1)
    assert result["problems"] == []
    assert result["publications_compared"] >= 10
    assert result["moderation_compared"] >= 8
    assert result["derivation"]["structures"] == 5  # 3 schools, 2 communes


def test_the_check_finds_what_differs_from_the_services(tmp_path):
    """Each part of the check can fail: a publish log entry missing, a message's
    recipients miscounted, a parent's numchild wrong, a derived membership missing."""
    from django.contrib.auth import get_user_model
    from wagtail.models import Page, PageLogEntry

    from moderation.models import Message
    from pages.models import NewsIndexPage, NewsPage
    from pages.rights import deriving

    build_tiny(tmp_path)
    PageLogEntry.objects.filter(page__in=NewsPage.objects.live(), action="wagtail.publish").delete()
    Message.objects.filter(status="approved").update(recipients_count=0)
    index = NewsIndexPage.objects.order_by("path").first()
    Page.objects.filter(pk=index.pk).update(numchild=index.numchild + 1)
    membership = get_user_model().groups.through
    with deriving():
        # A teacher's membership of her school's contributors (she wrote nothing sampled).
        membership.objects.filter(group__space_group__kind="contributors",
                                  user__owned_pages__isnull=True).order_by("pk").first().delete()

    problems = check_all(SEED, per_case=1)["problems"]
    assert any("NewsPage" in p and "logs" in p for p in problems), problems
    assert any(p.startswith("message approved/") and "recipients_count" in p for p in problems), problems
    assert any(p == f"page #{index.pk}: numchild {index.numchild + 1} but {index.numchild} children"
               for p in problems), problems
    assert any(p.startswith("derivation drift in members") for p in problems), problems


def test_every_measurement_runs_on_the_tiny_dataset(tmp_path):
    from bench import run

    build_tiny(tmp_path)
    actors = run.actors()
    assert actors["parent_schools"] == 2  # the tiny export has families in two schools
    results = run.in_process(actors, n=3, sync=True, login_n=1)
    names = [p["name"] for p in results["pages"]]
    assert len(names) == 10 and "« Mon fil », parent of two schools" in names
    for page in results["pages"]:
        assert page["queries"] > 0 and page["floor_p50_ms"] > 0 and page["bytes"] > 500, page
    assert results["approval"]["recipients"] == actors["approval_parents"] - _declining(actors) > 0
    assert results["sync_rights"]["structures"] == 5
    assert len(results["charter_gate"]["rounds"]) == 7 and results["charter_gate"]["with"]["n"] >= 100
    assert connection.vendor in results["vendor"]
    # The approvals were rolled back.
    from moderation.models import Message

    assert not Message.objects.filter(subject__startswith="Message du banc").exists()


def _declining(actors) -> int:
    """Parents of the approval's school who declined the associations' messages."""
    from moderation.models import InboxPreference
    from profiles.models import Attachment

    K = Attachment.Kind
    pupils = Attachment.objects.current(kinds=[K.PUPIL]).filter(school_id=actors["approval_school"])
    parents = Attachment.objects.current(kinds=[K.GUARDIAN]).filter(
        pupil_id__in=pupils.values("user_id")).values("user_id")
    return InboxPreference.objects.filter(user_id__in=parents, declines_associations=True).count()
