"""Wagtail hooks of publishing (imported by pages/wagtail_hooks.py): the audit-log
action of an unpublication with a reason, the reason form's URL, and every door of
Wagtail that unpublishes a publication brought to that form or closed
(pages/publishing.py); the dashboard's « à modérer » panel and the history scoped to
her spaces."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.action_menu import ActionMenuItem, UnpublishMenuItem
from wagtail.admin.api.actions.revert_to_page_revision import RevertToPageRevisionAPIAction
from wagtail.admin.api.actions.unpublish import UnpublishPageAPIAction
from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.log_actions import LogFormatter

from pages import publishing, workflow_admin


@hooks.register("register_log_actions")
def register_publishing_log_actions(actions):
    @actions.register_action(publishing.UNPUBLISH_ACTION)
    class UnpublishedWithReason(LogFormatter):
        label = publishing.UNPUBLISH_LABEL

        def format_message(self, log_entry):
            return f"Dépubliée par la direction de publication. Motif : {log_entry.data.get('reason', '')}"


@hooks.register("register_admin_urls")
def register_publishing_admin_urls():
    from pages.publishing_views import PublicationUnpublishView

    return [
        path("publications/<int:page_id>/depublier/", PublicationUnpublishView.as_view(),
              name="portal_publication_unpublish"),
    ]


UNPUBLISH_NEEDS_REASON = (
    "Une publication se dépublie avec un motif, transmis à son auteur : "
    "utilisez « Dépublier avec un motif »."
)


@hooks.register("before_unpublish_page")
def unpublish_publication_needs_reason(request, page):
    """Wagtail's unpublish view (POST): a publication goes to the reason form instead;
    nothing is unpublished here."""
    if publishing.is_publication(page):
        return redirect("portal_publication_unpublish", page.pk)
    return None


@hooks.register("before_bulk_action")
def bulk_unpublish_refuses_publications(request, action_type, objects, action_class_instance):
    """The bulk unpublish gives no reason: it refuses publications (one reason per item,
    through the form); nothing is unpublished, the others included."""
    if action_type != "unpublish":
        return None
    if any(publishing.is_publication(obj) for obj in objects):
        messages.error(request, UNPUBLISH_NEEDS_REASON)
        return redirect(request.GET.get("next") or reverse("wagtailadmin_home"))
    return None


class _UnpublishAPIActionGuarded(UnpublishPageAPIAction):
    """The admin API's unpublish action: refused for a publication (no reason)."""

    def execute(self, instance, data):
        from rest_framework.exceptions import PermissionDenied as _APIPermissionDenied

        if publishing.is_publication(instance):
            raise _APIPermissionDenied(UNPUBLISH_NEEDS_REASON)
        return super().execute(instance, data)


class _RevertAPIActionGuarded(RevertToPageRevisionAPIAction):
    """The admin API's revert: refused while the page is in moderation (the edit view
    refuses it too: the page is locked for everyone but the approver)."""

    def execute(self, instance, data):
        from rest_framework.exceptions import PermissionDenied as _APIPermissionDenied

        if instance.workflow_in_progress:
            raise _APIPermissionDenied(
                "Cette page attend la validation de la direction de publication : "
                "on ne revient pas à une version antérieure pendant ce temps.")
        return super().execute(instance, data)


class PortalPagesAdminAPIViewSet(PagesAdminAPIViewSet):
    actions = {**PagesAdminAPIViewSet.actions, "unpublish": _UnpublishAPIActionGuarded,
               "revert_to_page_revision": _RevertAPIActionGuarded}


@hooks.register("construct_admin_api", order=20)
def guard_admin_api_unpublish(router):
    router.register_endpoint("pages", PortalPagesAdminAPIViewSet)


class UnpublishWithReasonMenuItem(ActionMenuItem):
    label = "Dépublier avec un motif"
    name = "action-unpublish-reason"
    icon_name = "download"

    def is_shown(self, context):
        return context["view"] == "edit" and context["page"].live and \
            publishing.may_unpublish_publication(context["request"].user, context["page"])

    def get_url(self, context):
        return reverse("portal_publication_unpublish", args=(context["page"].id,))


@hooks.register("construct_page_action_menu")
def publication_unpublish_menu_item(menu_items, request, context):
    """On a publication, Wagtail's « Dépublier » becomes « Dépublier avec un motif »."""
    page = context.get("page")
    if page is None or not page.pk or not publishing.is_publication(page):
        return
    menu_items[:] = [item for item in menu_items if not isinstance(item, UnpublishMenuItem)]
    menu_items.append(UnpublishWithReasonMenuItem(order=40))


# The dashboard's « à modérer » panel: constant queries (pages/workflow_admin.py).
hooks.register("construct_homepage_panels", workflow_admin.construct_homepage_panels)
