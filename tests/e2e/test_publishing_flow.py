"""End to end, in Chromium (issue 7): the teacher writes a news item in Wagtail's admin
and submits it → her director approves it from her dashboard (which publishes it) →
parent.martin finds it in « Mon fil » and reads it → parent.durand, whose child is in
another commune's school, gets a 404 on its URL.

One world, one browser, one context per person, each logging in through the form."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, fill_login

pytestmark = E2E

TITLE = "Sortie au Jardin des plantes"
INTRO = "Les CM1 A observeront les serres tropicales jeudi matin."


@pytest.fixture
def flow_world(e2e_world):
    """The e2e world and parent.durand, whose only child is at Jules Ferry (Albi)."""
    from pages.models import NewsIndexPage
    from profiles import services
    from profiles.models import Attachment, NationalProfile as P
    from tests.factories import UserFactory

    w = e2e_world
    w.news_index_j = NewsIndexPage.objects.child_of(w.space_j).get()
    w.parent_durand = UserFactory(username="parent.durand", profiles=[P.PARENT])
    services.attachment_add(user=w.parent_durand, kind=Attachment.Kind.GUARDIAN, pupil=w.pupil_f)
    return w


def person(browser, base, username, next_url):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/connexion/?next={next_url}")
    fill_login(page, username)
    page.wait_for_url(f"{base}{next_url}")
    return context, page


def test_teacher_submits_director_approves_parent_reads_other_parent_gets_404(
    flow_world, browser, live_server
):
    from wagtail.models import WorkflowState

    from pages.models import NewsPage

    w, base = flow_world, live_server.url

    # --- The teacher writes and submits. ---------------------------------------------
    context, page = person(browser, base, "enseignant.jaures", "/admin/")
    page.goto(f"{base}/admin/pages/add/pages/newspage/{w.news_index_j.pk}/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_intro").fill(INTRO)
    page.locator("#id_audience").select_option("parents")
    page.get_by_role("button", name="Plus d'actions").click()
    page.get_by_role("button", name="Soumettre à Validation par la direction de publication").click()
    # Back in « Actualités »: her item, in moderation.
    row = page.locator("tr", has_text=TITLE)
    expect(row).to_contain_text(re.compile("en cours de modération", re.IGNORECASE))
    context.close()

    item = NewsPage.objects.get(title=TITLE)
    assert not item.live and item.owner == w.teacher_j
    state = WorkflowState.objects.get(object_id=str(item.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS

    # --- The director finds it on her dashboard and approves it. -----------------------
    context, page = person(browser, base, "directrice.jaures", "/admin/")
    expect(page.get_by_role("heading", name="En attente de votre vérification")).to_be_visible()
    row = page.locator("tr", has_text=TITLE)
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name="Approuver et publier").click()
    expect(page.locator("tr", has_text=TITLE)).to_have_count(0)  # nothing left to decide
    context.close()

    item.refresh_from_db()
    assert item.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED

    # --- parent.martin (Léa is in CM1 A at Jean Jaurès) finds it in « Mon fil ». -------
    context, page = person(browser, base, "parent.martin", "/mon-fil/")
    feed = page.locator("main")
    expect(feed).to_contain_text(TITLE)
    feed.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"{base}{item.url}")
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(page.locator("main")).to_contain_text(INTRO)
    context.close()

    # --- parent.durand (Emma is at Jules Ferry, Albi) does not learn that it exists. ---
    context, page = person(browser, base, "parent.durand", "/")
    response = page.goto(f"{base}{item.url}")
    assert response.status == 404
    assert TITLE not in page.content()
    page.goto(f"{base}/mon-fil/")
    expect(page.locator("main")).not_to_contain_text(TITLE)
    context.close()
