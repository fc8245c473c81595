"""Helpers of the publishing tests: drafts written by a user, submitted and decided
through Wagtail's real admin views."""

from wagtail.models import TaskState
from wagtail.test.utils.form_data import nested_form_data, streamfield

from pages.models import Audience, NewsIndexPage, NewsPage


def news_index(space):
    return NewsIndexPage.objects.child_of(space).get()


def draft(space, author, title="Sortie au musée", audience=Audience.PARENTS, slug=None):
    """A draft news item of `space`, written by `author` (its first revision)."""
    page = news_index(space).add_child(instance=NewsPage(
        title=title, slug=slug or title.lower().replace(" ", "-").replace("é", "e"),
        live=False, owner=author, audience=audience, intro="Le musée des Augustins.",
    ))
    page.save_revision(user=author)
    return page


def edit_form(page, **extra):
    data = nested_form_data({
        "title": page.title, "slug": page.slug, "intro": page.intro,
        "body": streamfield([]), "audience": page.audience,
    })
    data.update(extra)
    return data


def submit(client, page):
    """The author presses « Soumettre à validation » in the edit view."""
    return client.post(f"/admin/pages/{page.pk}/edit/", edit_form(page, **{"action-submit": "1"}))


def pending_state(page):
    return TaskState.objects.filter(
        workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS).first()


def action_url(page, action, task_state):
    return f"/admin/pages/workflow/action/{page.pk}/{action}/{task_state.pk}/"


def refused(response) -> bool:
    """Wagtail's admin answers a PermissionDenied with a redirect to the dashboard
    (« Désolé, vous n'avez pas la permission… »), or a 403."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == "/admin/")
