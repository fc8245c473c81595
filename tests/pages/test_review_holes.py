"""Doors found open by the review of the publishing work, each closed where all doors
meet and each proved here: another space's media named in a body, a revision slipped
in while the director decides, publishing by a former director whose group lags, a
live publication deleted without a reason."""

import datetime
import json

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import WorkflowState

from pages.models import Audience, PageMedia
from pages.visibility import user_may_open_media
from profiles.models import RoleGrant
from tests.pages.publishing_helpers import action_url, draft, pending_state, submit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ferry_document(world):
    return get_document_model().objects.create(
        title="PV confidentiel Ferry", collection=world.space_f.collection,
        file=ContentFile(PDF, name="pv-ferry.pdf"),
    )


def test_a_body_naming_another_spaces_document_does_not_open_it(world, client):
    """A public news item of Jean Jaurès whose body names a document of Jules Ferry
    (a chooser block accepts any id): the document stays closed to its readers."""
    doc = ferry_document(world)
    page = draft(world.space_j, world.director_j, title="Inscriptions", audience=Audience.PUBLIC)
    page.body = json.dumps([{"type": "document", "value": {"document": doc.pk, "title": ""}},
                            {"type": "text", "value": (
                                f'<p><a linktype="document" id="{doc.pk}">pv</a></p>')}])
    page.save_revision(user=world.director_j).publish()
    assert not PageMedia.objects.filter(page_id=page.pk).exists()
    assert not user_may_open_media(None, doc)
    assert not user_may_open_media(world.parent, doc)  # a parent of Jaurès (and of Ferry)
    response = client.get(doc.url)
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")

    # Its own space's document, named the same way, opens for the page's readers.
    own = get_document_model().objects.create(
        title="Fournitures", collection=world.space_j.collection,
        file=ContentFile(PDF, name="fournitures.pdf"))
    page.body = json.dumps([{"type": "document", "value": {"document": own.pk, "title": ""}}])
    page.save_revision(user=world.director_j).publish()
    assert user_may_open_media(None, own)
    assert client.get(own.url).status_code == 200


def test_the_approved_revision_is_published_not_one_slipped_in_meanwhile(world, client):
    """The teacher submits a harmless draft, then reverts to an older revision through
    the admin API while it waits: refused; and if a newer revision by someone else
    exists when the director approves, what she approved is what goes on line."""
    page = draft(world.space_j, world.teacher_j, title="Sortie au musée")
    page.title, page.audience = "Contenu non valide", Audience.PUBLIC
    bad = page.save_revision(user=world.teacher_j)
    page.title, page.audience = "Sortie au musée", Audience.PARENTS
    page.save_revision(user=world.teacher_j)
    client.force_login(world.teacher_j)
    assert submit(client, page).status_code == 302
    task_state = pending_state(page)
    approved = task_state.revision

    response = client.post(
        f"/admin/api/main/pages/{page.pk}/action/revert_to_page_revision/",
        data=json.dumps({"revision_id": bad.pk}), content_type="application/json")
    assert response.status_code == 403
    page.refresh_from_db()
    assert page.get_latest_revision().pk == approved.pk

    # A revision by someone else appears anyway (any other door): not published.
    page.refresh_from_db()
    page.title, page.audience = "Contenu non valide", Audience.PUBLIC
    page.save_revision(user=world.teacher_j)
    client.force_login(world.director_j)
    assert client.post(action_url(page, "approve", task_state)).status_code == 302
    page.refresh_from_db()
    assert page.live and page.title == "Sortie au musée" and page.audience == Audience.PARENTS
    assert page.live_revision_id == approved.pk


def test_a_former_director_whose_group_lags_cannot_publish(world, client):
    """Her grant's planned end has passed but the nightly derivation has not run: her
    group still holds « publish ». She can publish nothing, through the admin API or
    the bulk action; the page waiting for approval stays pending."""
    page = draft(world.space_j, world.teacher_j)
    client.force_login(world.teacher_j)
    submit(client, page)
    grant = RoleGrant.objects.current().get(user=world.director_j, school=world.school_j)
    now = timezone.now()  # a date passing is not an event: no re-derivation
    RoleGrant.objects.filter(pk=grant.pk).update(starts_at=now - datetime.timedelta(days=30),
                                                 ends_at=now - datetime.timedelta(minutes=1))
    assert world.director_j.groups.filter(space_group__school=world.school_j).exists()

    client.force_login(world.director_j)
    response = client.post(f"/admin/api/main/pages/{page.pk}/action/publish/",
                           data="{}", content_type="application/json")
    assert response.status_code == 403
    client.post(f"/admin/bulk/wagtailcore/page/publish/?id={page.pk}", {"include_descendants": ""})
    page.refresh_from_db()
    ws = WorkflowState.objects.filter(object_id=str(page.pk)).order_by("-pk").first()
    assert not page.live and ws.status == WorkflowState.STATUS_IN_PROGRESS
    assert not page.permissions_for_user(world.director_j).can_publish()


def test_a_live_publication_is_unpublished_with_a_reason_not_deleted(world, client):
    page = draft(world.space_j, world.director_j, title="Kermesse")
    page.get_latest_revision().publish()
    page.refresh_from_db()
    client.force_login(world.director_j)
    assert not page.permissions_for_user(world.director_j).can_delete()
    client.post(f"/admin/pages/{page.pk}/delete/")
    client.delete(f"/admin/api/main/pages/{page.pk}/")
    page.refresh_from_db()
    assert page.live
    assert page.permissions_for_user(world.admin).can_delete()
