"""Editorial responsibility (issue 7): the director of publication takes any item of her
space off at once, with a reason that is kept in the audit log, shown in the page's and
the space's history, and mailed to the author. Every door of Wagtail that unpublishes
a publication comes to that reason or is closed."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape
from wagtail.models import Page, PageLogEntry

from pages.publishing import UNPUBLISH_ACTION, publication_unpublish, unpublish_reasons
from tests.pages.publishing_helpers import draft

pytestmark = pytest.mark.django_db

REASON = "Photo d'élève publiée sans l'autorisation des parents."


@pytest.fixture
def live_item(world):
    world.teacher_j.email = "enseignant.jaures@example.org"
    world.teacher_j.save()
    page = draft(world.space_j, world.teacher_j)
    page.get_latest_revision().publish(user=world.director_j)
    page.refresh_from_db()
    assert page.live
    return page


def _live(page):
    return Page.objects.filter(pk=page.pk).values_list("live", flat=True).get()


def test_director_unpublishes_with_reason_through_the_admin(
        world, client, live_item, django_capture_on_commit_callbacks):
    client.force_login(world.director_j)
    # Wagtail's own unpublish view sends a publication to the reason form.
    response = client.post(f"/admin/pages/{live_item.pk}/unpublish/")
    assert response.status_code == 302
    assert response.url == f"/admin/publications/{live_item.pk}/depublier/"
    assert _live(live_item)
    form_url = response.url
    assert "Motif de la dépublication" in client.get(form_url).content.decode()
    response = client.post(form_url, {"reason": "   "})
    assert response.status_code == 200 and _live(live_item)
    assert "Indiquez le motif" in response.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url, {"reason": REASON})
    assert response.status_code == 302
    assert not _live(live_item)
    entry = PageLogEntry.objects.get(page=live_item, action=UNPUBLISH_ACTION)
    assert (entry.user, entry.data["reason"]) == (world.director_j, REASON)
    assert [m.to for m in mail.outbox] == [["enseignant.jaures@example.org"]]
    assert mail.outbox[0].subject == "Dépubliée : « Sortie au musée »"
    assert REASON in mail.outbox[0].body
    # The author reads the reason in the page's history.
    client.force_login(world.teacher_j)
    history = client.get(f"/admin/pages/{live_item.pk}/history/").content.decode()
    assert escape(REASON) in history
    assert unpublish_reasons(live_item)[0][2] == REASON


def test_the_menu_offers_unpublish_with_a_reason(world, client, live_item):
    client.force_login(world.director_j)
    html = client.get(f"/admin/pages/{live_item.pk}/edit/").content.decode()
    assert f"/admin/publications/{live_item.pk}/depublier/" in html
    # (The header's « … » menu keeps Wagtail's link: its confirmation comes to the form.)


@pytest.mark.parametrize("who", ["director_f", "teacher_j", "referent_a", "parent"])
def test_others_cannot_unpublish(world, client, live_item, who):
    user = getattr(world, who)
    with pytest.raises(PermissionDenied):
        publication_unpublish(live_item, by=user, reason=REASON)
    client.force_login(user)
    response = client.post(f"/admin/publications/{live_item.pk}/depublier/", {"reason": REASON})
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or response.url != f"/admin/pages/{live_item.get_parent().pk}/"
    assert _live(live_item)
    assert not PageLogEntry.objects.filter(page=live_item, action=UNPUBLISH_ACTION).exists()


def test_reason_required_by_the_service(world, live_item):
    with pytest.raises(ValidationError):
        publication_unpublish(live_item, by=world.director_j, reason="")
    assert _live(live_item)


def test_academie_staff_may_unpublish(world, live_item):
    publication_unpublish(live_item, by=world.admin, reason=REASON)
    assert not _live(live_item)


def test_bulk_unpublish_refuses_publications(world, client, live_item):
    client.force_login(world.director_j)
    url = (f"/admin/bulk/wagtailcore/page/unpublish/?id={live_item.pk}"
           f"&next=/admin/pages/{live_item.get_parent().pk}/")
    response = client.post(url, {"include_descendants": ""})
    assert response.status_code == 302
    assert _live(live_item)
    assert not PageLogEntry.objects.filter(page=live_item, action__in=[
        UNPUBLISH_ACTION, "wagtail.unpublish"]).exists()


def test_admin_api_unpublish_refuses_publications(world, client, live_item):
    client.force_login(world.director_j)
    response = client.post(f"/admin/api/main/pages/{live_item.pk}/action/unpublish/", {},
                           content_type="application/json")
    assert response.status_code == 403
    assert _live(live_item)


def test_space_history_is_hers_not_another_directors(world, client, live_item):
    publication_unpublish(live_item, by=world.director_j, reason=REASON)
    client.force_login(world.director_j)
    html = client.get("/admin/reports/site-history/").content.decode()
    assert "Sortie au musée" in html and escape(REASON) in html
    client.force_login(world.director_f)
    response = client.get("/admin/reports/site-history/")
    assert response.status_code in (200, 302)
    assert "Sortie au musée" not in response.content.decode()
    assert escape(REASON) not in response.content.decode()
