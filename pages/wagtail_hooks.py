"""Wagtail hooks of the spaces: media and choosers limited to what a user may use
and see (pages/media.py, pages/admin_scoping.py; docs/ARCHITECTURE.md,
« Media and choosers: isolation »)."""

from wagtail import hooks

from pages import admin_scoping, media, visibility


@hooks.register("before_serve_page")
def guard_page_serving(page, request, serve_args, serve_kwargs):
    """Every page served to readers passes the visibility selector."""
    return visibility.page_serve_guard(page, request)


@hooks.register("before_serve_document")
def guard_document_serving(document, request):
    return media.document_serve_guard(document, request)


# After Wagtail's own registrations (order 0), so that these replace them.
@hooks.register("construct_admin_api", order=10)
def scope_admin_api(router):
    router.register_endpoint("documents", media.DocumentsAdminAPI)
    router.register_endpoint("images", media.ImagesAdminAPI)


for _action in admin_scoping.scoped_bulk_actions():
    hooks.register("register_bulk_action", _action, order=10)


hooks.register("construct_page_chooser_queryset", admin_scoping.construct_page_chooser_queryset)
hooks.register("construct_reports_menu", admin_scoping.construct_reports_menu)


# === Publishing (issue 7): approval, unpublish with a reason, the space's history ===
# Registered by importing the module: pages/publishing_hooks.py.
from pages import publishing_hooks  # noqa: E402,F401
# === end Publishing ===================================================================
