"""The admin's lists of the approval workflow, with constant queries and scoped to her
spaces: the dashboard's « En attente de votre relecture » panel and the « Flux de
travail » report. Wagtail's own ask each row for its tasks and their status (and the
panel each task for its actions): three queries per pending item."""

from collections import defaultdict
from copy import copy

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.home import WorkflowObjectsToModeratePanel
from wagtail.admin.views.reports.workflows import WorkflowReportFilterSet, WorkflowView
from wagtail.models import (
    Revision,
    TaskState,
    WorkflowState,
    WorkflowTask,
    get_default_page_content_type,
)

from pages.workflow import APPROVE, REJECT


def attach_tasks_with_status(workflow_states) -> None:
    """Give each workflow state its `all_tasks_with_status()` answer, for all of them in
    two queries (Wagtail's method costs one query per state)."""
    states = [ws for ws in workflow_states if ws is not None]
    if not states:
        return
    tasks_by_workflow = defaultdict(list)
    for link in WorkflowTask.objects.filter(
            workflow_id__in={ws.workflow_id for ws in states}).select_related("task").order_by(
            "sort_order"):
        tasks_by_workflow[link.workflow_id].append(link.task)
    latest = {}
    for row in TaskState.objects.filter(workflow_state__in=states).order_by(
            "started_at", "id").values("workflow_state_id", "task_id", "status"):
        latest[(row["workflow_state_id"], row["task_id"])] = row["status"]
    labels = dict(TaskState.STATUS_CHOICES)
    for ws in states:
        tasks = []
        for task in tasks_by_workflow[ws.workflow_id]:
            task = copy(task)
            task.status = latest.get((ws.pk, task.pk))
            task.status_display = labels.get(task.status, _("Not started"))
            tasks.append(task)
        ws.all_tasks_with_status = (lambda tasks=tasks: tasks)


class ModerationPanel(WorkflowObjectsToModeratePanel):
    """Her spaces' pending items (`DirectorApprovalTask.get_task_states_user_can_moderate`,
    one SQL query), each with the approver's actions — every state listed is one she
    decides, by that same definition."""

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        context = {"states": [], "request": request, "csrf_token": parent_context["csrf_token"]}
        states = list(
            TaskState.objects.reviewable_by(request.user)
            .select_related("task", "revision", "revision__user", "workflow_state",
                            "workflow_state__workflow")
            .prefetch_related("revision__content_object",
                              "revision__content_object__latest_revision")
            .order_by("-started_at")
            .annotate(previous_revision_id=Revision.objects.previous_revision_id_subquery())
        )
        attach_tasks_with_status([s.workflow_state for s in states])
        for state in states:
            obj = state.revision.content_object
            if not obj:
                continue
            context["states"].append({
                "obj": obj, "revision": state.revision,
                "previous_revision_id": state.previous_revision_id,
                "live_revision_id": obj.live_revision_id, "task_state": state,
                "actions": [REJECT, APPROVE],
                "workflow_tasks": state.workflow_state.all_tasks_with_status(),
                "workflow_action_url_name": "wagtailadmin_pages:workflow_action",
                "workflow_preview_url_name": "wagtailadmin_pages:workflow_preview"
                if getattr(obj, "is_previewable", False) else None,
                "revisions_compare_url_name": "wagtailadmin_pages:revisions_compare",
            })
        return context


def construct_homepage_panels(request, panels):
    panels[:] = [ModerationPanel() if isinstance(p, WorkflowObjectsToModeratePanel) else p
                 for p in panels]


def _requesters_she_may_see(request):
    """Wagtail lists everyone who ever submitted anything, in every space: only the
    authors of the workflows of pages she may edit."""
    from wagtail.admin.views.reports.workflows import get_editable_page_ids_query

    User = get_user_model()
    return User.objects.filter(pk__in=WorkflowState.objects.filter(
        base_content_type=get_default_page_content_type(), object_id__in=get_editable_page_ids_query(request),
    ).values("requested_by")).order_by(User.USERNAME_FIELD)


class ScopedWorkflowReportFilterSet(WorkflowReportFilterSet):
    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["requested_by"].extra["queryset"] = _requesters_she_may_see(request)


class ScopedWorkflowView(WorkflowView):
    filterset_class = ScopedWorkflowReportFilterSet

    def decorate_paginated_queryset(self, object_list):
        rows = super().decorate_paginated_queryset(object_list)
        attach_tasks_with_status(rows)
        return rows



