"""Wagtail admin URLs that the portal answers in Wagtail's place, because Wagtail
offers no hook to scope them (see pages/admin_scoping.py). Included by portal/urls.py
*before* Wagtail's admin, with the same paths, names aside; decorated like Wagtail's
own admin views (admin access required, never cached)."""

from django.urls import include, path
from django.views.decorators.cache import never_cache
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.snippets.models import get_snippet_models
from wagtail.utils.urlpatterns import decorate_urlpatterns

from pages import admin_scoping
from pages.workflow_admin import ScopedWorkflowView


def _guarded_snippet_choosers():
    """Every snippet chooser (the charter's: /admin/snippets/choose/profiles/charter/…),
    behind `snippet_chooser_guard`."""
    hooks.search_for_hooks()  # snippets are registered by the apps' wagtail_hooks
    patterns = []
    for model in get_snippet_models():
        viewset = model.snippet_viewset.chooser_viewset
        guarded = decorate_urlpatterns(
            viewset.get_urlpatterns(), admin_scoping.snippet_chooser_guard(model)
        )
        namespace = f"portal_{viewset.url_namespace}"
        patterns.append(path(f"{viewset.url_prefix}/", include((guarded, namespace))))
    return patterns


urlpatterns = [
    path("choose-page/<int:parent_page_id>/", admin_scoping.ScopedBrowseView.as_view()),
    path("choose-page/", admin_scoping.ScopedBrowseView.as_view()),
    path("choose-page/chosen-multiple/", admin_scoping.ScopedChosenMultipleView.as_view()),
    path("reports/page-types-usage/", admin_scoping.StaffPageTypesUsageReportView.as_view()),
    path(
        "reports/page-types-usage/results/",
        admin_scoping.StaffPageTypesUsageReportView.as_view(results_only=True),
    ),
    *_guarded_snippet_choosers(),
    # The workflow report: constant queries, and only the requesters of her spaces in
    # its filter (pages/workflow_admin.py).
    path("reports/workflow/", ScopedWorkflowView.as_view()),
    path("reports/workflow/results/", ScopedWorkflowView.as_view(results_only=True)),
]

urlpatterns = decorate_urlpatterns(urlpatterns, require_admin_access)
urlpatterns = decorate_urlpatterns(urlpatterns, never_cache)
