"""Services of editorial responsibility: what the direction of publication does to the
publications of her space, each checking its actor against the directory *now*.

- `publish_approved`: Wagtail's `WAGTAIL_FINISH_WORKFLOW_ACTION` — the approved
  revision is published;
- `publication_unpublish(page, by, reason)`: the director of publication (or the
  référent ville; académie staff everywhere) takes an item off at once, with a reason
  that is kept in the audit log (`UNPUBLISH_ACTION`, shown in the page's and the
  space's history) and mailed to the author.

Every door of Wagtail that unpublishes a publication comes here or is closed
(pages/wagtail_hooks.py, « Publishing » block): the unpublish view (the
`before_unpublish_page` hook sends the director to the reason form), the bulk
unpublish (refused for publications: one reason per item), the admin API's unpublish
action (refused for publications). Expiry (`publish_scheduled`) and the archiving of a
closed structure's space unpublish by the system, not by an editor.

This module is imported while Wagtail's models load (the setting above names it):
Wagtail is imported inside the functions.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

UNPUBLISH_ACTION = "pages.unpublish_with_reason"
UNPUBLISH_LABEL = "Dépublication par la direction de publication"
REASON_MAX_LENGTH = 2000


def publish_approved(workflow_state, user=None):
    """`WAGTAIL_FINISH_WORKFLOW_ACTION`: publish the approved revision. The approver was
    checked against the directory by `DirectorApprovalTask.on_action` when she decided;
    her derived group may lag (a handover that starts today is derived by the nightly
    run), so Wagtail's group-based check is not asked a second time."""
    approved = workflow_state.current_task_state.revision
    latest = workflow_state.content_object.get_latest_revision()
    # What she approved: the revision submitted, or a newer one she made herself in the
    # editor while deciding — never a revision someone else slipped in meanwhile
    # (e.g. a revert through the admin API).
    revision = latest if (latest.pk == approved.pk or (user and latest.user_id == user.pk)) \
        else approved
    revision.publish(user=user, skip_permission_checks=True)


def is_publication(page) -> bool:
    from pages.models import Publication

    cls = page.specific_class
    return cls is not None and issubclass(cls, Publication)


def may_unpublish_publication(user, page) -> bool:
    """Who takes a publication off with a reason: the holder, now, of the direction of
    publication of its space (director of publication, référent ville); académie staff."""
    from pages.workflow import user_approves_page
    from profiles.selectors import is_academie_staff

    if not (user and user.is_authenticated and user.is_active):
        return False
    return is_academie_staff(user) or user_approves_page(user, page)


@transaction.atomic
def publication_unpublish(page, *, by, reason: str):
    """Unpublish a publication at once, with a reason kept in the audit log and sent to
    its author. A refusal raises (PermissionDenied, ValidationError) and changes nothing."""
    from wagtail.actions.unpublish_page import UnpublishPageAction
    from wagtail.log_actions import log
    from wagtail.models import Page

    from pages import notifications

    page = Page.objects.select_for_update().get(pk=page.pk).specific
    if not is_publication(page):
        raise ValidationError("Seules les publications d'un espace se dépublient avec un motif.")
    if not may_unpublish_publication(by, page):
        raise PermissionDenied(
            "Seule la direction de publication de l'espace peut dépublier cette publication.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif de la dépublication : il est transmis à l'auteur.")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(f"Le motif ne doit pas dépasser {REASON_MAX_LENGTH} caractères.")
    if not page.live:
        raise ValidationError("Cette publication n'est pas en ligne.")
    UnpublishPageAction(page, user=by, log_action=False).execute(skip_permission_checks=True)
    log(instance=page, action=UNPUBLISH_ACTION, user=by, data={"reason": reason})
    notifications.notify_unpublished(page, by=by, reason=reason)
    return page


def unpublish_reasons(page):
    """The reasons given when the page was taken off, newest first (for its author)."""
    from wagtail.models import PageLogEntry

    return [
        (entry.timestamp, entry.user, entry.data.get("reason", ""))
        for entry in PageLogEntry.objects.filter(page=page, action=UNPUBLISH_ACTION)
        .select_related("user").order_by("-timestamp")
    ]
