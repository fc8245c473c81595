"""Read helpers of the admin: which pages a user may meet in the admin's choosers
and bulk actions. (Who may *read* a page or open a file is `pages.visibility`.)"""

from wagtail.models import Page
from wagtail.permissions import policy_registry

# --- Pages in the admin's choosers and bulk actions -------------------------------


def pages_choosable_by(user):
    """Pages she may meet in the admin's page choosers, searches and bulk actions:
    her explorable pages (Wagtail's `explorable_instances`: the pages of her spaces and
    their ancestors down from the common ancestor of their parents — so a single-space
    user also meets the space's index, a public structural page). Other spaces' pages —
    drafts above all — never.
    (Linking to public pages of other spaces comes with publishing.)"""
    policy = policy_registry.get_by_type(Page)
    if user is None or not user.is_authenticated or not user.is_active:
        return Page.objects.none()
    if user.is_superuser:
        return Page.objects.all()
    if not policy.get_cached_permissions_for_user(user):
        return Page.objects.none()  # explorable_instances needs at least one permission
    return policy.explorable_instances(user)


def page_browsable_by(user, page) -> bool:
    """May she open `page` as the parent in the page chooser? Her choosable pages,
    and the ancestors of her explorable root (their children are filtered anyway),
    so that the chooser's breadcrumb works."""
    if user is not None and user.is_active and user.is_superuser:
        return True
    if pages_choosable_by(user).filter(pk=page.pk).exists():
        return True
    root = policy_registry.get_by_type(Page).explorable_root_instance(user)
    return root is not None and root.is_descendant_of(page)
