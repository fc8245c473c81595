"""Choosers, bulk actions and reports show a user only her spaces' pages, and the
charter's versions only to académie staff (hardening issue, hole 5)."""

import pytest
from wagtail.models import (
    GroupApprovalTask,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from pages.models import SchoolIndexPage, StandardPage
from profiles.models import Charter, NationalProfile as P
from tests.factories import CharterFactory, UserFactory

SECRET = "Projet de classe verte Ferry"  # a draft in Jules Ferry's space
OWN_DRAFT = "Projet de kermesse Jaurès"  # a draft in Jean Jaurès's space
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def drafts(world):
    w = world
    w.draft_f = w.space_f.add_child(instance=StandardPage(title=SECRET, slug="classe-verte",
                                                          live=False))
    w.draft_j = w.space_j.add_child(instance=StandardPage(title=OWN_DRAFT, slug="kermesse",
                                                          live=False))
    w.academie = UserFactory(username="rectorat", profiles=[P.ACADEMIE])
    return w


def html_of(response):
    assert response.status_code == 200, response.status_code
    if response["Content-Type"].startswith("application/json"):
        return response.json().get("html", "")
    return response.content.decode()


# --- The page chooser -----------------------------------------------------------------


def test_the_page_chooser_opens_on_her_space_and_lists_her_pages(client, drafts):
    client.force_login(drafts.director_j)
    html = html_of(client.get("/admin/choose-page/"))
    assert OWN_DRAFT in html and drafts.space_j.title in html
    assert SECRET not in html and drafts.space_f.title not in html


def test_the_schools_index_lists_only_her_school(client, drafts):
    client.force_login(drafts.director_j)
    index = SchoolIndexPage.objects.get()
    html = html_of(client.get(f"/admin/choose-page/{index.pk}/"))
    assert drafts.space_j.title in html
    assert drafts.space_f.title not in html and drafts.space_t.title not in html


@pytest.mark.parametrize("target", ["space_f", "draft_f", "space_a"])
def test_the_page_chooser_does_not_open_on_another_space(client, drafts, target):
    client.force_login(drafts.director_j)
    page = getattr(drafts, target)
    response = client.get(f"/admin/choose-page/{page.pk}/")
    assert response.status_code == 404
    assert page.title not in response.content.decode() and SECRET not in response.content.decode()


def test_the_page_chooser_search_finds_only_her_pages(client, drafts):
    client.force_login(drafts.director_j)
    html = html_of(client.get("/admin/choose-page/search/", {"q": "Projet"}))
    assert OWN_DRAFT in html and SECRET not in html
    html = html_of(client.get("/admin/choose-page/search/", {"q": "classe verte"}))
    assert SECRET not in html
    # A superuser still finds everything.
    client.force_login(drafts.admin)
    assert SECRET in html_of(client.get("/admin/choose-page/search/", {"q": "classe verte"}))


def test_chosen_multiple_answers_only_for_her_pages(client, drafts):
    client.force_login(drafts.director_j)
    response = client.get(
        f"/admin/choose-page/chosen-multiple/?id={drafts.draft_f.pk}&id={drafts.draft_j.pk}"
    )
    assert response.status_code == 200
    result = response.json()["result"]
    assert [r["id"] for r in result] == [drafts.draft_j.pk]
    assert SECRET not in response.content.decode()


def test_the_admin_pages_api_keeps_to_her_pages(client, drafts):
    # Wagtail's own filter (explorable pages): proved, not rewritten.
    client.force_login(drafts.director_j)
    response = client.get("/admin/api/main/pages/")
    assert response.status_code == 200
    found = {item["id"] for item in response.json()["items"]}
    assert drafts.draft_j.pk in found
    assert not found & {drafts.draft_f.pk, drafts.space_f.pk, drafts.page_f.pk}
    assert client.get(f"/admin/api/main/pages/{drafts.draft_f.pk}/").status_code == 404


# --- Bulk actions -----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["delete", "move", "publish", "unpublish"])
def test_page_bulk_actions_neither_name_nor_touch_another_schools_pages(client, drafts, action):
    client.force_login(drafts.director_j)
    url = f"/admin/bulk/wagtailcore/page/{action}/"
    alone = client.get(f"{url}?id={drafts.draft_f.pk}")
    assert alone.status_code == 404 and SECRET not in alone.content.decode()
    listing = client.get(f"{url}?id=all&childOf={drafts.space_f.pk}")
    assert listing.status_code == 404 and SECRET not in listing.content.decode()
    mixed = client.get(f"{url}?id={drafts.draft_f.pk}&id={drafts.draft_j.pk}")
    assert mixed.status_code == 200
    assert OWN_DRAFT in mixed.content.decode() and SECRET not in mixed.content.decode()
    posted = client.post(f"{url}?id={drafts.page_f.pk}&id={drafts.draft_f.pk}",
                         {"move_applicable": "on", "chooser": drafts.space_j.pk})
    assert posted.status_code == 404
    assert Page.objects.get(pk=drafts.page_f.pk).live is True
    assert Page.objects.get(pk=drafts.draft_f.pk).get_parent().pk == drafts.space_f.pk
    assert Page.objects.get(pk=drafts.draft_f.pk).live is False


# --- Reports --------------------------------------------------------------------------


def test_the_page_types_usage_report_is_for_academie_staff_only(client, drafts):
    client.force_login(drafts.director_j)
    for url in ("/admin/reports/page-types-usage/", "/admin/reports/page-types-usage/results/"):
        denied = client.get(url)
        assert (denied.status_code, denied["Location"]) == (302, "/admin/"), url
        assert client.get(url, **XHR).status_code == 403
    assert "/admin/reports/page-types-usage/" not in client.get("/admin/").content.decode()
    for who in (drafts.admin, drafts.academie):
        client.force_login(who)
        html = html_of(client.get("/admin/reports/page-types-usage/"))
        assert "/admin/pages/usage/pages/standardpage/" in html  # counts by page type
    client.force_login(drafts.admin)
    assert "/admin/reports/page-types-usage/" in client.get("/admin/").content.decode()


def test_locked_aging_and_history_reports_keep_to_her_pages(client, drafts):
    # Wagtail filters these by its page permission policy: proved, not rewritten.
    for page, user in ((drafts.draft_f, drafts.director_f), (drafts.draft_j, drafts.director_j)):
        page.save_revision(user=user, log_action=True)
        page.locked, page.locked_by = True, user
        page.save()
    published_f = drafts.space_f.add_child(instance=StandardPage(title="Carnaval Ferry",
                                                                 slug="carnaval"))
    published_f.save_revision(user=drafts.director_f).publish(user=drafts.director_f)
    published_j = drafts.space_j.add_child(instance=StandardPage(title="Carnaval Jaurès",
                                                                 slug="carnaval"))
    published_j.save_revision(user=drafts.director_j).publish(user=drafts.director_j)
    client.force_login(drafts.director_j)
    locked = html_of(client.get("/admin/reports/locked/"))
    assert OWN_DRAFT in locked and SECRET not in locked
    aging = html_of(client.get("/admin/reports/aging-pages/"))
    assert "Carnaval Jaurès" in aging and "Carnaval Ferry" not in aging
    history = html_of(client.get("/admin/reports/site-history/"))
    assert OWN_DRAFT in history and "Carnaval Jaurès" in history
    assert SECRET not in history and "Carnaval Ferry" not in history


def test_workflow_reports_keep_to_her_pages(client, drafts):
    task = GroupApprovalTask.objects.create(name="Validation par la direction")
    for space, page, user in ((drafts.space_f, drafts.draft_f, drafts.director_f),
                              (drafts.space_j, drafts.draft_j, drafts.director_j)):
        workflow = Workflow.objects.create(name=f"Validation {space.title}")
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(workflow=workflow, page=space)
        page.save_revision(user=user)
        workflow.start(page, user)
    client.force_login(drafts.director_j)
    for url in ("/admin/reports/workflow/", "/admin/reports/workflow_tasks/"):
        html = html_of(client.get(url))
        assert OWN_DRAFT in html and SECRET not in html, url


# --- The charter's snippet chooser -------------------------------------------------------


@pytest.fixture
def charter_draft(drafts):
    return CharterFactory(version=7, title="Charte 2027 en préparation", live=False)


def charter_chooser_urls(charter):
    base = "/admin/snippets/choose/profiles/charter/"
    return [base, f"{base}results/", f"{base}chosen/{charter.pk}/",
            f"{base}chosen-multiple/?id={charter.pk}"]


@pytest.mark.parametrize("who", ["director_j", "referent_a", "teacher_j"])
def test_the_charter_chooser_is_closed_to_everybody_but_academie_staff(client, drafts,
                                                                       charter_draft, who):
    client.force_login(getattr(drafts, who))
    for url in charter_chooser_urls(charter_draft):
        response = client.get(url, **XHR)
        assert response.status_code == 403, url
        assert charter_draft.title not in response.content.decode()
        assert client.get(url)["Location"] == "/admin/", url
    bulk = client.get(f"/admin/bulk/profiles/charter/delete/?id={charter_draft.pk}")
    assert bulk.status_code == 404 and charter_draft.title not in bulk.content.decode()
    assert client.post(f"/admin/bulk/profiles/charter/delete/?id={charter_draft.pk}").status_code \
        == 404
    assert Charter.objects.filter(pk=charter_draft.pk).exists()


@pytest.mark.parametrize("who", ["academie", "admin"])
def test_academie_staff_choose_among_every_charter_version(client, drafts, charter_draft, who):
    client.force_login(getattr(drafts, who))
    html = html_of(client.get("/admin/snippets/choose/profiles/charter/", **XHR))
    assert charter_draft.title in html
    chosen = client.get(f"/admin/snippets/choose/profiles/charter/chosen/{charter_draft.pk}/",
                        **XHR)
    assert chosen.status_code == 200
    assert chosen.json()["result"]["string"] == str(charter_draft)


# --- The other doors of another space's page ---------------------------------------------


PAGE_DOORS = [
    "/admin/pages/{pk}/", "/admin/pages/{pk}/edit/", "/admin/pages/{pk}/history/",
    "/admin/pages/{pk}/usage/", "/admin/pages/{pk}/view_draft/",
    "/admin/pages/{pk}/workflow_history/", "/admin/pages/{pk}/move/", "/admin/pages/{pk}/copy/",
    "/admin/pages/{pk}/delete/",
    "/admin/pages/{pk}/revisions/{rev}/view/",
    "/admin/pages/{pk}/revisions/compare/earliest...{rev}/",
]
CHARTER_DOORS = [
    "/admin/snippets/profiles/charter/", "/admin/snippets/profiles/charter/edit/{charter}/",
    "/admin/snippets/profiles/charter/history/{charter}/",
    "/admin/snippets/profiles/charter/usage/{charter}/",
    "/admin/snippets/profiles/charter/inspect/{charter}/",
]


def test_no_admin_view_of_another_spaces_page_shows_its_title(client, drafts, charter_draft):
    # Wagtail checks these by itself: proved here, with their owner as the control.
    revision = drafts.draft_f.save_revision(user=drafts.director_f)
    urls = [door.format(pk=drafts.draft_f.pk, rev=revision.pk) for door in PAGE_DOORS]
    client.force_login(drafts.director_f)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200 and SECRET in response.content.decode(), url
    client.force_login(drafts.director_j)
    leaks = []
    for url in urls + [door.format(charter=charter_draft.pk) for door in CHARTER_DOORS]:
        response = client.get(url)
        content = response.content.decode() if not response.streaming else ""
        if (response.status_code not in (302, 403, 404) or SECRET in content
                or charter_draft.title in content):
            leaks.append(f"{url} {response.status_code}")
        elif response.status_code == 302:
            assert response["Location"] in ("/admin/", f"/admin/pages/{drafts.space_j.pk}/"), url
    assert leaks == []
