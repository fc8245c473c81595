"""wagtail.admin, with Wagtail's own workflow emails replaced by the portal's
(pages/notifications.py): in French, to the approver in office and to the author only,
once. Listed in INSTALLED_APPS in place of "wagtail.admin", so that this runs right
after Wagtail connects its notifiers (an app before it would run too early)."""

from wagtail.admin.apps import WagtailAdminAppConfig

WAGTAIL_NOTIFIERS = [
    ("task_submitted", "group_approval_task_submitted_email_notification"),
    ("workflow_submitted", "workflow_state_submitted_email_notification"),
    ("workflow_rejected", "workflow_state_rejected_email_notification"),
    ("workflow_approved", "workflow_state_approved_email_notification"),
]


def disconnect_wagtail_notifiers() -> None:
    from wagtail import signals
    from wagtail.models import TaskState, WorkflowState

    for signal_name, uid in WAGTAIL_NOTIFIERS:
        sender = TaskState if signal_name.startswith("task") else WorkflowState
        getattr(signals, signal_name).disconnect(sender=sender, dispatch_uid=uid)


class PortalAdminAppConfig(WagtailAdminAppConfig):
    def ready(self):
        super().ready()
        disconnect_wagtail_notifiers()
