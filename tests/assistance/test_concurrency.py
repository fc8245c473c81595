"""Real concurrency on reports: threads with their own connections, released together
(the pattern of tests/moderation/test_concurrency.py). Two readers reporting the same
publication at once share one case; the same reader twice at once makes one report;
two decisions at once: one wins, the other is told, the page is unpublished once."""

import threading

import pytest
from django.db import connection
from wagtail.models import Page, PageLogEntry

from assistance import services
from assistance.models import Report, ReportCase
from pages.publishing import UNPUBLISH_ACTION

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

JOIN_TIMEOUT = 60


def race(*actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcomes[i] = ("ok", action())
        except services.Refused as exc:
            outcomes[i] = ("refused", exc)
        except Exception as exc:  # reported in the assertion, never swallowed
            outcomes[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), outcomes
    return outcomes


def test_reports_and_decisions_at_the_same_moment():
    from tests.assistance.world import build_assistance_world

    w = build_assistance_world()
    page_id = w.news_j.pk

    # Two readers at once: one case, two reports.
    outcomes = race(
        lambda: services.report_publication(by=w.parent, page_id=page_id, reason="illicit"),
        lambda: services.report_publication(by=w.pupil_j2, page_id=page_id, reason="other",
                                            text="Ma photo."))
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert ReportCase.objects.filter(page_id=page_id).count() == 1
    assert Report.objects.filter(page_id=page_id).count() == 2

    # The same reader twice at once (a double click): one report, the other refused.
    outcomes = race(*[
        (lambda: services.report_publication(by=w.member, page_id=page_id, reason="illicit"))
        for _ in range(2)])
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    assert Report.objects.filter(page_id=page_id, reporter=w.member).count() == 1

    # Two decisions at once: one wins.
    case = ReportCase.objects.get(page_id=page_id)
    outcomes = race(
        lambda: services.case_unpublish(by=w.director_j, case=ReportCase.objects.get(pk=case.pk),
                                        reason="Propos inappropriés."),
        lambda: services.case_close(by=w.director_j, case=ReportCase.objects.get(pk=case.pk),
                                    answer="Rien à signaler."))
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    case.refresh_from_db()
    winner = "unpublish" if outcomes[0][0] == "ok" else "close"
    if winner == "unpublish":
        assert case.status == ReportCase.Status.UNPUBLISHED
        assert not Page.objects.get(pk=page_id).live
        assert PageLogEntry.objects.filter(page_id=page_id, action=UNPUBLISH_ACTION).count() == 1
    else:
        assert case.status == ReportCase.Status.KEPT and case.answer == "Rien à signaler."
        assert Page.objects.get(pk=page_id).live
        assert not PageLogEntry.objects.filter(page_id=page_id, action=UNPUBLISH_ACTION).exists()
