"""Emails of the publishing workflow, in French, sent through Django's task framework
(`django-tasks`): the immediate backend in tests and the demo, the database backend
and its worker in production (docs/OPERATIONS.md, « Tâches en arrière-plan »).

Who receives what — and nobody else (Wagtail's own workflow notifiers are
disconnected, pages/admin_apps.py):
- a submission: the approver in office for the page's space (`approvers_of`);
- a decision (approved and published / changes requested, with the comment): the
  author who submitted;
- an unpublication by the direction of publication: the page's author, with the reason.

Mails are rendered when the event happens (what was decided, with which comment) and
queued once the transaction commits, so that a worker never sends news of something
that was rolled back. One mail per recipient: no one sees another's address.
"""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django_tasks import task

SIGNATURE = "\n\n— ENT-école Occitanie (message automatique, ne pas répondre)"


@task()
def send_portal_mail(subject: str, body: str, recipients: list[str]) -> int:
    """One mail per recipient (the task the worker runs)."""
    messages = [(subject, body, None, [address]) for address in recipients]
    return send_mass_mail(messages, fail_silently=False)


def queue_mail(subject: str, body: str, addresses) -> None:
    """Queue one mail per address (signed, deduplicated) once the transaction commits."""
    recipients = sorted({a for a in addresses if a})
    if not recipients:
        return
    transaction.on_commit(
        lambda: send_portal_mail.enqueue(subject=subject, body=body + SIGNATURE,
                                         recipients=recipients)
    )


def _queue(subject: str, body: str, users) -> None:
    queue_mail(subject, body, [u.email for u in users])


def _admin_url(name: str, *args) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(name, args=args)


def _who(user) -> str:
    if user is None:
        return "le système"
    return user.get_full_name() or user.get_username()


def _space_name(page) -> str:
    from pages.visibility import space_of

    space = space_of(page)
    return space.title if space is not None else "le portail"


def notify_submitted(task_state, *, submitter=None) -> None:
    """To the approver in office: a page of her space waits for her decision."""
    from pages.workflow import approvers_of

    page = task_state.workflow_state.content_object.specific
    approvers = [u for u in approvers_of(page) if submitter is None or u.pk != submitter.pk]
    title = page.get_admin_display_title()
    body = (
        f"Bonjour,\n\n{_who(submitter)} a soumis « {title} » ({_space_name(page)}) "
        "à votre validation.\n\n"
        "Vous pouvez l'approuver (ce qui la publie) ou demander des modifications :\n"
        f"{_admin_url('wagtailadmin_pages:edit', page.pk)}"
    )
    _queue(f"À valider : « {title} »", body, approvers)


def notify_decision(task_state, action: str, *, by=None) -> None:
    """To the author who submitted: approved and published, or changes requested
    (with the approver's comment)."""
    task_state.refresh_from_db()
    workflow_state = task_state.workflow_state
    author = workflow_state.requested_by
    if author is None or (by is not None and author.pk == by.pk):
        return
    page = workflow_state.content_object.specific
    title = page.get_admin_display_title()
    comment = (task_state.comment or "").strip()
    if action == "approve":
        subject = f"Publiée : « {title} »"
        body = (f"Bonjour,\n\n{_who(by)} a approuvé « {title} » ({_space_name(page)}) : "
                "elle est publiée.")
        if comment:
            body += f"\n\nCommentaire :\n{comment}"
    else:
        subject = f"Modifications demandées : « {title} »"
        body = (f"Bonjour,\n\n{_who(by)} demande des modifications avant de publier "
                f"« {title} » ({_space_name(page)}).\n\nCe qu'il faut modifier :\n{comment}\n\n"
                "Modifiez la page puis soumettez-la à nouveau :\n"
                f"{_admin_url('wagtailadmin_pages:edit', page.pk)}")
    _queue(subject, body, [author])


def notify_unpublished(page, *, by, reason: str) -> None:
    """To the page's author: the direction of publication unpublished it, and why."""
    author = page.owner
    if author is None or (by is not None and author.pk == by.pk):
        return
    title = page.get_admin_display_title()
    body = (
        f"Bonjour,\n\n{_who(by)} (direction de publication) a retiré « {title} » "
        f"({_space_name(page)}) de la publication.\n\nMotif :\n{reason}\n\n"
        f"Historique de la page : {_admin_url('wagtailadmin_pages:history', page.pk)}"
    )
    _queue(f"Dépubliée : « {title} »", body, [author])
