"""The approval by the director of publication (issue 7): the teacher submits, the
director of publication of the page's space — read from the directory at the moment she
decides — approves (which publishes) or requests changes; nobody else sees or acts."""

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.models import Page, PageLogEntry, TaskState, Workflow, WorkflowState

from pages.visibility import user_may_read_page
from pages.workflow import DirectorApprovalTask
from profiles import services
from profiles.models import Attachment, NationalProfile as P, Role
from tests.factories import UserFactory
from tests.pages.publishing_helpers import action_url, draft, pending_state, refused, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(world, client, django_capture_on_commit_callbacks):
    """`enseignant.jaures` wrote a news item for the parents and submitted it."""
    world.teacher_j.email = "enseignant.jaures@example.org"
    world.teacher_j.save()
    world.director_j.email = "directrice.jaures@example.org"
    world.director_j.save()
    world.director_f.email = "directrice.ferry@example.org"
    world.director_f.save()
    page = draft(world.space_j, world.teacher_j)
    client.force_login(world.teacher_j)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, page)
    assert response.status_code == 302, response.content[:2000]
    client.logout()
    return page


def _state(page):
    page.refresh_from_db()
    ws = WorkflowState.objects.filter(object_id=str(page.pk)).order_by("-pk").first()
    return page.live, ws.status if ws else None


def test_submission_waits_and_mails_only_her_director_in_french(world, submitted):
    task_state = pending_state(submitted)
    assert task_state is not None
    assert isinstance(task_state.task.specific, DirectorApprovalTask)
    assert _state(submitted) == (False, WorkflowState.STATUS_IN_PROGRESS)
    assert [m.to for m in mail.outbox] == [["directrice.jaures@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "À valider : « Sortie au musée »"
    assert "a soumis « Sortie au musée »" in message.body
    assert f"/admin/pages/{submitted.pk}/edit/" in message.body


def test_teacher_cannot_publish_directly_only_submit(world, client, submitted):
    page = draft(world.space_j, world.teacher_j, title="Autre nouvelle")
    assert not page.permissions_for_user(world.teacher_j).can_publish()
    assert page.permissions_for_user(world.teacher_j).can_submit_for_moderation()
    from tests.pages.publishing_helpers import edit_form

    client.force_login(world.teacher_j)
    client.post(f"/admin/pages/{page.pk}/edit/", edit_form(page, **{"action-publish": "1"}))
    page.refresh_from_db()
    assert not page.live


def test_director_of_another_school_neither_sees_nor_acts(world, client, submitted):
    task_state = pending_state(submitted)
    before = _state(submitted)
    client.force_login(world.director_f)
    # The dashboard and both workflow reports do not name it.
    for url in ("/admin/", "/admin/reports/workflow/", "/admin/reports/workflow_tasks/",
                "/admin/reports/workflow/?reviewable=true",
                "/admin/reports/workflow_tasks/?reviewable=true"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Sortie au musée" not in response.content.decode(), url
    # Wagtail's action view, on the page itself: refused.
    for action in ("approve", "reject"):
        response = client.post(action_url(submitted, action, task_state), {"comment": "non"})
        assert refused(response)
    # Through a page of her own in moderation, with the other school's task state id.
    own = draft(world.space_f, world.director_f, title="Fête de Ferry")
    client.force_login(world.teacher_j)  # anyone may submit; hers is in moderation too
    own.workflow_states  # noqa: B018
    Workflow.objects.get().start(own, world.director_f)
    client.force_login(world.director_f)
    response = client.post(action_url(own, "approve", task_state))
    assert refused(response)
    assert _state(submitted) == before
    assert pending_state(submitted).pk == task_state.pk
    assert not DirectorApprovalTask.objects.get().get_task_states_user_can_moderate(
        world.director_f).filter(pk=task_state.pk).exists()
    # Neither does the commune's référent, nor a teacher of the school.
    for user in (world.referent_a, world.teacher_j):
        client.force_login(user)
        assert refused(client.post(action_url(submitted, "approve", task_state)))
    assert _state(submitted) == before


def test_director_approves_it_publishes_the_author_is_told_and_the_parent_reads_it(
        world, client, submitted, django_capture_on_commit_callbacks):
    task_state = pending_state(submitted)
    assert not user_may_read_page(world.parent, Page.objects.get(pk=submitted.pk))
    client.force_login(world.director_j)
    response = client.get("/admin/")
    assert "Sortie au musée" in response.content.decode()
    assert "Approuver et publier" in response.content.decode()
    for url in ("/admin/reports/workflow/?reviewable=true", "/admin/reports/workflow_tasks/?reviewable=true"):
        assert "Sortie au musée" in client.get(url).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(submitted, "approve", task_state), {"comment": "Bravo"})
    assert response.status_code == 302
    assert _state(submitted) == (True, WorkflowState.STATUS_APPROVED)
    task_state.refresh_from_db()
    assert (task_state.status, task_state.finished_by) == (TaskState.STATUS_APPROVED, world.director_j)
    assert [m.to for m in mail.outbox] == [["enseignant.jaures@example.org"]]
    assert mail.outbox[0].subject == "Publiée : « Sortie au musée »"
    assert "Bravo" in mail.outbox[0].body
    assert PageLogEntry.objects.filter(page=submitted, action="wagtail.workflow.approve",
                                       user=world.director_j).exists()
    assert PageLogEntry.objects.filter(page=submitted, action="wagtail.publish").exists()
    # parent.martin (a child in CM1 A at Jean Jaurès) reads it; the page answers her.
    submitted.refresh_from_db()
    assert user_may_read_page(world.parent, Page.objects.get(pk=submitted.pk))
    client.force_login(world.parent)
    assert client.get(submitted.url).status_code == 200


def test_request_changes_needs_a_comment_and_sends_it_to_the_author(
        world, client, submitted, django_capture_on_commit_callbacks):
    task_state = pending_state(submitted)
    client.force_login(world.director_j)
    mail.outbox.clear()
    response = client.post(action_url(submitted, "reject", task_state), {"comment": ""})
    assert pending_state(submitted).pk == task_state.pk  # nothing changed
    assert _state(submitted) == (False, WorkflowState.STATUS_IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(submitted, "reject", task_state),
                               {"comment": "Ajoutez l'heure du départ."})
    assert response.status_code == 302
    assert _state(submitted) == (False, WorkflowState.STATUS_NEEDS_CHANGES)
    assert [m.to for m in mail.outbox] == [["enseignant.jaures@example.org"]]
    assert mail.outbox[0].subject == "Modifications demandées : « Sortie au musée »"
    assert "Ajoutez l'heure du départ." in mail.outbox[0].body


def test_the_labels_are_french(world, submitted):
    task = DirectorApprovalTask.objects.get()
    page = Page.objects.get(pk=submitted.pk)
    assert [label for _, label, _ in task.get_actions(page, world.director_j)] == [
        "Demander des modifications", "Approuver et publier"]
    assert task.get_actions(page, world.director_f) == []


def test_director_of_publication_publishes_her_own_items_directly(world, client):
    page = draft(world.space_j, world.director_j, title="Mot de la directrice")
    from tests.pages.publishing_helpers import edit_form

    client.force_login(world.director_j)
    response = client.post(f"/admin/pages/{page.pk}/edit/", edit_form(page, **{"action-publish": "1"}))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live
    assert not WorkflowState.objects.filter(object_id=str(page.pk)).exists()


def test_referent_ville_approves_the_commune_publisher(world, client, django_capture_on_commit_callbacks):
    page = draft(world.space_a, world.publisher_a, title="Inscriptions cantine")
    client.force_login(world.publisher_a)
    assert submit(client, page).status_code == 302
    task_state = pending_state(page)
    client.force_login(world.director_j)
    assert refused(client.post(action_url(page, "approve", task_state)))
    client.force_login(world.referent_a)
    assert client.post(action_url(page, "approve", task_state)).status_code == 302
    page.refresh_from_db()
    assert page.live


def test_page_outside_any_space_is_approved_by_academie_staff(world):
    from pages.models import PortalHomePage, StandardPage

    home = PortalHomePage.objects.get()
    page = home.add_child(instance=StandardPage(title="Mentions", slug="mentions", live=False))
    page.save_revision(user=world.admin)
    task = DirectorApprovalTask.objects.get()
    assert task.get_actions(page, world.admin)
    assert not task.get_actions(page, world.director_j)


# --- A handover while an item is pending ---------------------------------------------


def _new_director(world):
    newcomer = UserFactory(username="nouvelle.directrice", profiles=[P.DIRECTOR])
    services.attachment_add(user=newcomer, kind=Attachment.Kind.TEACHER, school=world.school_j)
    return newcomer


def test_handover_now_the_new_one_decides_the_former_no_longer(world, client, submitted):
    task_state = pending_state(submitted)
    newcomer = _new_director(world)
    services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=newcomer, school=world.school_j,
                        replace=True)
    client.force_login(world.director_j)
    assert refused(client.post(action_url(submitted, "approve", task_state)))
    assert "Sortie au musée" not in client.get("/admin/").content.decode()
    assert _state(submitted) == (False, WorkflowState.STATUS_IN_PROGRESS)
    client.force_login(newcomer)
    assert "Sortie au musée" in client.get("/admin/").content.decode()
    assert client.post(action_url(submitted, "approve", task_state)).status_code == 302
    assert _state(submitted) == (True, WorkflowState.STATUS_APPROVED)


def test_scheduled_handover_takes_effect_when_its_time_comes(world, client, submitted):
    """The successor starts tomorrow: nobody re-derives the groups (the nightly run has
    not happened), yet the decision follows the directory at the moment it is made."""
    task_state = pending_state(submitted)
    newcomer = _new_director(world)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    services.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=newcomer, school=world.school_j,
                        starts_at=tomorrow, replace=True)
    client.force_login(newcomer)
    assert refused(client.post(action_url(submitted, "approve", task_state)))
    assert _state(submitted) == (False, WorkflowState.STATUS_IN_PROGRESS)
    later = tomorrow + datetime.timedelta(hours=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        client.force_login(world.director_j)
        assert refused(client.post(action_url(submitted, "approve", task_state)))
        assert _state(submitted) == (False, WorkflowState.STATUS_IN_PROGRESS)
        client.force_login(newcomer)
        response = client.post(action_url(submitted, "approve", task_state))
        assert response.status_code == 302
    assert _state(submitted) == (True, WorkflowState.STATUS_APPROVED)


# --- Query counts: constant in the number of pending items -----------------------------

QUERY_BOUNDS = {
    # The dashboard's panels include « Signalements et demandes d'aide » (assistance/): the
    # spaces she answers for, the open cases, the open help requests — three queries.
    "/admin/": 35,
    "/admin/reports/workflow/": 22,
    "/admin/reports/workflow/?reviewable=true": 25,
    "/admin/reports/workflow_tasks/": 20,
    "/admin/reports/workflow_tasks/?reviewable=true": 22,
}


@pytest.mark.parametrize("pending", [5, 50])
def test_dashboard_and_reports_queries_are_constant(world, client, django_assert_max_num_queries,
                                                    pending):
    workflow = Workflow.objects.get()
    for i in range(pending):
        workflow.start(draft(world.space_j, world.teacher_j, title=f"Nouvelle {i}", slug=f"n-{i}"),
                       world.teacher_j)
    client.force_login(world.director_j)
    for url, bound in QUERY_BOUNDS.items():
        client.get(url)  # warm the per-process caches (content types, site)
        with django_assert_max_num_queries(bound):
            response = client.get(url)
        assert response.status_code == 200
        assert "Nouvelle 4" in response.content.decode(), url
    dashboard = client.get("/admin/").content.decode()
    assert dashboard.count("Approuver et publier") == pending
    client.force_login(world.director_f)
    for url in QUERY_BOUNDS:
        assert "Nouvelle 4" not in client.get(url).content.decode(), url
