"""The Wagtail admin's choosers, bulk actions and reports, scoped to what a user may see.

Wagtail filters most of its admin by permission policies already (the explorer,
the page search, the document and image listings and choosers, the locked, aging,
workflow and history reports). These are the doors it leaves open, and how each
is closed (docs/ARCHITECTURE.md, « Media and choosers: isolation »):

- the page chooser: its listing and search pass the `construct_page_chooser_queryset`
  hook (pages/wagtail_hooks.py), but the page it is opened on and the
  « chosen-multiple » answer take any id → `ScopedBrowseView`, `ScopedChosenMultipleView`
  (routed in pages/admin_urls.py, in front of Wagtail's);
- bulk actions list the titles of the objects they are given, even those the user
  may not act on → `VisibleObjectsOnly`, mixed into each of Wagtail's bulk actions
  and registered in their place;
- the « page types usage » report counts every page and names the last edited one
  of each type → académie staff only (`StaffPageTypesUsageReportView`);
- snippet choosers check no permission at all (the charter has drafts) →
  `snippet_chooser_guard`.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_list_or_404, get_object_or_404
from wagtail.admin.views import chooser
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.permissions import policy_registry

from pages.media import media_usable_by
from pages.selectors import page_browsable_by, pages_choosable_by
from profiles.models import Charter
from profiles.selectors import is_academie_staff

SNIPPET_ACTIONS = ["add", "change", "delete", "view", "publish"]


# --- Snippets (the charter) ----------------------------------------------------


def may_see_snippets(user, model) -> bool:
    """May she see this snippet model's objects (drafts included) in the admin?
    The charter: académie staff only. Others: any permission on the model."""
    if not (user.is_authenticated and user.is_active):
        return False
    if model is Charter:
        return is_academie_staff(user)
    return policy_registry.get_by_type(model).user_has_any_permission(user, SNIPPET_ACTIONS)


def snippet_chooser_guard(model):
    """Decorator for the views of a snippet chooser: 403 for whoever may not see the model."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not may_see_snippets(request.user, model):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorator


# --- Bulk actions ----------------------------------------------------------------


def objects_visible_to(user, model):
    """What a bulk action may show her (titles included) and act upon."""
    if issubclass(model, Page):
        return pages_choosable_by(user)
    if model in (get_document_model(), get_image_model()):
        return media_usable_by(user, model)
    if may_see_snippets(user, model):
        return model._default_manager.all()
    return model._default_manager.none()


class VisibleObjectsOnly:
    """Wagtail's bulk actions look the ids up among all objects, then list the
    titles of those the user may not act on (« you don't have permission to … »).
    Look them up among what she may see: the others are neither named nor touched
    (404 when none is left)."""

    def get_queryset(self, model, object_ids):
        return get_list_or_404(objects_visible_to(self.request.user, model), pk__in=object_ids)


def scoped_bulk_action(action_class):
    name = f"Scoped{action_class.__name__}"
    return type(name, (VisibleObjectsOnly, action_class), {"__module__": __name__})


def scoped_bulk_actions():
    from wagtail.admin.views.pages.bulk_actions import (
        DeleteBulkAction,
        MoveBulkAction,
        PublishBulkAction,
        UnpublishBulkAction,
    )
    from wagtail.documents.views import bulk_actions as document_actions
    from wagtail.images.views import bulk_actions as image_actions
    from wagtail.snippets.bulk_actions.delete import DeleteBulkAction as SnippetDeleteBulkAction

    return [
        scoped_bulk_action(cls)
        for cls in (
            DeleteBulkAction, MoveBulkAction, PublishBulkAction, UnpublishBulkAction,
            document_actions.AddTagsBulkAction, document_actions.AddToCollectionBulkAction,
            document_actions.DeleteBulkAction,
            image_actions.AddTagsBulkAction, image_actions.AddToCollectionBulkAction,
            image_actions.DeleteBulkAction,
            SnippetDeleteBulkAction,
        )
    ]


# --- The page chooser --------------------------------------------------------------


def construct_page_chooser_queryset(pages, request):
    """The chooser's listing (children of the page it is opened on) and its search:
    only the pages of her spaces."""
    if request.user.is_superuser:
        return pages
    return pages.filter(pk__in=pages_choosable_by(request.user).values("pk"))


class ScopedBrowseView(chooser.BrowseView):
    """The page chooser opens on a page she may browse (404 otherwise — its title is
    shown), and by default on her own space rather than on the tree's root."""

    def get(self, request, parent_page_id=None):
        user = request.user
        if parent_page_id is not None:
            page = get_object_or_404(Page, id=parent_page_id)
            if not page_browsable_by(user, page):
                raise Http404
        elif not user.is_superuser:
            root = policy_registry.get_by_type(Page).explorable_root_instance(user)
            if root is None:
                raise Http404
            parent_page_id = root.pk
        return super().get(request, parent_page_id)


class ScopedChosenMultipleView(chooser.ChosenMultipleView):
    """Answers with the title, URL and edit link of each id asked: only hers."""

    def get(self, request):
        ids = [pk for pk in request.GET.getlist("id") if pk.isdigit()]
        allowed = pages_choosable_by(request.user).filter(pk__in=ids).values_list("pk", flat=True)
        query = request.GET.copy()
        query.setlist("id", [str(pk) for pk in allowed])
        request.GET = query
        return super().get(request)


# --- Reports -------------------------------------------------------------------------


class StaffPageTypesUsageReportView(PageTypesUsageReportView):
    """Counts pages of every space, and names the last edited page of each type
    (drafts included): académie staff only."""

    def user_has_any_permission(self, permissions):
        return is_academie_staff(self.request.user)


def construct_reports_menu(request, menu_items):
    if not is_academie_staff(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "page-types-usage"]
