"""Every list costs a constant number of queries, whatever the number of cases, reports
and requests: the director's « Signalements » and « Demandes d'aide » in the admin, the
reader's « Mes signalements » and « Mes demandes d'aide »."""

import pytest
from django.test import Client

from assistance import services
from pages.models import Audience
from tests.pages.reading_helpers import publish, queries_of


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fill(w, n: int, start: int = 0):
    """n more reported publications of Jaurès (each by two readers), n more help requests."""
    for i in range(start, start + n):
        page = publish(w.space_j, f"Actualité {i}", Audience.COMMUNITY, owner=w.teacher_j)
        services.report_publication(by=w.parent, page_id=page.pk, reason="illicit", text=f"n° {i}")
        services.report_publication(by=w.pupil_j2, page_id=page.pk, reason="other", text=f"n° {i}")
        services.help_request_submit(by=w.parent, destination=f"school:{w.school_j.pk}",
                                     category="access", text=f"Demande {i}")


# (who, page, budget): the admin's own share (session, user, permissions, the menu's
# checks of who she is) is 13 queries of each admin page.
PAGES = [
    ("director_j", "/admin/assistance/signalements/", 18),
    ("director_j", "/admin/assistance/aide/", 16),
    ("parent", "/signalements/", 4),
    ("parent", "/aide/", 4),
]


@pytest.mark.parametrize(("who", "url", "budget"), PAGES)
def test_lists_cost_the_same_with_2_and_12_items(aworld, settings, who, url, budget):
    w = aworld
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "content_report": (100, 3600),
                            "help_request": (100, 3600)}
    fill(w, 2)
    client = client_for(getattr(w, who))
    response, few = queries_of(client, url)
    shown = response.content.decode()
    assert response.status_code == 200 and ("Actualité 1" in shown or "Demande 1" in shown)
    fill(w, 10, start=2)
    response, many = queries_of(client, url)
    shown = response.content.decode()
    assert response.status_code == 200 and ("Actualité 11" in shown or "Demande 11" in shown)
    assert many == few, (url, few, many)
    assert few <= budget, (url, few)
