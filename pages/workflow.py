"""Approval by the director of publication: the one custom Wagtail task type.

The approver of a page is resolved from its space **at decision time**, from the
directory (`RoleGrant.objects.current()`): the school's director of publication, the
collectivity's référent ville. Not from group membership, which lags until the
nightly derivation. A page outside any space (under the portal home), or in a space
whose director of publication is vacant, is approved by académie staff — as the
personal-data requests are routed (`profiles.selectors.data_request_route`).

Every door of Wagtail's workflow asks this task: the edit view and the workflow
action view (`get_actions`, then `on_action`, which re-checks the actor against the
task state's own page — the action URL takes a page id and a task-state id that
Wagtail never matches), the dashboard's « à modérer » panel and the workflow reports
(`get_task_states_user_can_moderate`, one SQL query), the locks.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast, Substr
from wagtail.forms import TaskStateCommentForm
from wagtail.models import Page, Task, TaskState

# The spaces lie at depth 4 (root → portal home → index → space): the path of a
# page's space is the first 4 steps of its own path.
SPACE_DEPTH = 4

_CACHE_ATTR = "_approver_scope"


def _space_path(page_path: str) -> str | None:
    length = Page.steplen * SPACE_DEPTH
    return page_path[:length] if len(page_path) >= length else None


def held_space_paths(at=None):
    """Subquery: the paths of the spaces whose director of publication (school) or
    référent ville (collectivity) is in office at `at`."""
    from profiles.models import Role, RoleGrant

    grants = RoleGrant.objects.current(at)
    return Page.objects.filter(
        Q(schoolspacepage__school_id__in=grants.filter(
            role=Role.DIRECTOR_OF_PUBLICATION).values("school_id"))
        | Q(collectivityspacepage__collectivity_id__in=grants.filter(
            role=Role.REFERENT_VILLE).values("collectivity_id"))
    ).values("path")


def approved_space_paths(user, at=None) -> list[str]:
    """The paths of the spaces `user` approves at `at`: the schools whose director of
    publication she is, the collectivities whose référent ville she is (one query)."""
    from profiles.models import Role, RoleGrant

    grants = RoleGrant.objects.current(at).filter(user=user)
    return list(Page.objects.filter(
        Q(schoolspacepage__school_id__in=grants.filter(
            role=Role.DIRECTOR_OF_PUBLICATION).values("school_id"))
        | Q(collectivityspacepage__collectivity_id__in=grants.filter(
            role=Role.REFERENT_VILLE).values("collectivity_id"))
    ).values_list("path", flat=True))


def approvable_pages_q(user, at=None) -> Q:
    """THE definition of the pages `user` approves (and unpublishes with a reason) at
    `at`, as a condition on `Page` (needs `pages_with_space_path()`): those of her spaces;
    for académie staff, also those outside any space or in a space without anyone in
    office."""
    from profiles.selectors import is_academie_staff

    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for path in approved_space_paths(user, at):
        q |= Q(path__startswith=path)
    if is_academie_staff(user):
        q |= ~Q(space_path__in=held_space_paths(at))
    return q


def pages_with_space_path(queryset=None):
    queryset = Page.objects.all() if queryset is None else queryset
    return queryset.annotate(space_path=Substr("path", 1, Page.steplen * SPACE_DEPTH))


def user_approves_page(user, page, at=None) -> bool:
    """Does `user` approve `page` now (or at `at`)? Asked of the directory each time:
    the decisions (`on_action`, `pages.publishing`) call this."""
    return pages_with_space_path().filter(approvable_pages_q(user, at), pk=page.pk).exists()


def approvers_of(page, at=None):
    """Who approves `page` at `at` (for the notification of a submission): the holder
    of the role on its space; académie staff outside any space or when nobody holds it."""
    from pages.models import CollectivitySpacePage, SchoolSpacePage
    from pages.visibility import space_of
    from profiles.models import Role, RoleGrant, User
    from profiles.selectors import academie_staff

    space = space_of(page)
    grants = RoleGrant.objects.none()
    if isinstance(space, SchoolSpacePage):
        grants = RoleGrant.objects.current(at).filter(
            role=Role.DIRECTOR_OF_PUBLICATION, school_id=space.school_id)
    elif isinstance(space, CollectivitySpacePage):
        grants = RoleGrant.objects.current(at).filter(
            role=Role.REFERENT_VILLE, collectivity_id=space.collectivity_id)
    holders = User.objects.filter(is_active=True, role_grants__in=grants).distinct()
    if holders.exists():
        return holders
    return academie_staff()


def _approves_for_display(user, page) -> bool:
    """`user_approves_page` for what the admin *shows* (buttons, locks, editor access),
    memoised on the user object for the request; decisions never use this."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    scope = getattr(user, _CACHE_ATTR, None)
    if scope is None:
        from profiles.selectors import is_academie_staff

        scope = {"paths": tuple(approved_space_paths(user)),
                 "academie": is_academie_staff(user), "pages": {}}
        setattr(user, _CACHE_ATTR, scope)
    if any(page.path.startswith(p) for p in scope["paths"]):
        return True
    if not scope["academie"]:
        return False
    if page.pk not in scope["pages"]:
        scope["pages"][page.pk] = user_approves_page(user, page)
    return scope["pages"][page.pk]


class ChangesRequestedForm(TaskStateCommentForm):
    comment = forms.CharField(
        label="Ce qu'il faut modifier", widget=forms.Textarea(attrs={"rows": 4}), required=True,
        error_messages={"required": "Dites à l'auteur ce qu'il faut modifier."},
    )


class ApprovalCommentForm(TaskStateCommentForm):
    comment = forms.CharField(
        label="Commentaire (facultatif)", widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


APPROVE = ("approve", "Approuver et publier", False)
REJECT = ("reject", "Demander des modifications", True)


class DirectorApprovalTask(Task):
    """« Validation par la direction de publication de l'espace »."""

    admin_form_fields = Task.admin_form_fields

    class Meta:
        verbose_name = "validation par la direction de publication"
        verbose_name_plural = "validations par la direction de publication"

    @classmethod
    def get_description(cls):
        return (
            "La directrice ou le directeur de publication de l'espace de la page (ou le "
            "référent ville pour une commune), lu dans l'annuaire au moment de décider, "
            "approuve (ce qui publie) ou demande des modifications."
        )

    # --- What the admin shows --------------------------------------------------------

    def user_can_access_editor(self, obj, user):
        return _approves_for_display(user, obj)

    def locked_for_user(self, obj, user):
        return not _approves_for_display(user, obj)

    def user_can_lock(self, obj, user):
        return _approves_for_display(user, obj)

    def user_can_unlock(self, obj, user):
        return False

    def get_actions(self, obj, user):
        if _approves_for_display(user, obj):
            return [REJECT, APPROVE]
        return []

    def get_form_for_action(self, action):
        return ChangesRequestedForm if action == "reject" else ApprovalCommentForm

    def get_task_states_user_can_moderate(self, user, **kwargs):
        """Her spaces' pending items, in one SQL query (no loop over pages)."""
        from django.contrib.contenttypes.models import ContentType

        if not (user and user.is_authenticated and user.is_active):
            return TaskState.objects.none()
        pages = pages_with_space_path().filter(approvable_pages_q(user))
        return TaskState.objects.filter(
            task=self, status=TaskState.STATUS_IN_PROGRESS,
            workflow_state__base_content_type=ContentType.objects.get_for_model(Page),
            workflow_state__object_id__in=pages.values_list(
                Cast("id", output_field=CharField()), flat=True),
        )

    # --- What changes state ---------------------------------------------------------

    def start(self, workflow_state, user=None):
        page = workflow_state.content_object
        if getattr(page, "locked_by_id", None) and not user_approves_page(page.locked_by, page):
            # A lock held by someone who does not decide would block the approver.
            page.locked, page.locked_by, page.locked_at = False, None, None
            page.save(update_fields=["locked", "locked_by", "locked_at"])
        task_state = super().start(workflow_state, user=user)
        from pages import notifications

        notifications.notify_submitted(task_state, submitter=user)
        return task_state

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        """Approve (publishes) or request changes — by the approver in office now, on a
        task state still in progress (serialised: the row is locked, a second decision
        is refused). A refusal raises PermissionDenied and changes nothing."""
        locked = TaskState.objects.select_for_update().select_related("workflow_state").get(
            pk=task_state.pk)
        workflow_state = locked.workflow_state
        if (locked.status != TaskState.STATUS_IN_PROGRESS
                or workflow_state.current_task_state_id != locked.pk):
            raise PermissionDenied("Cette demande a déjà été traitée.")
        page = workflow_state.content_object
        if not user_approves_page(user, page):
            raise PermissionDenied(
                "Seule la direction de publication de l'espace peut décider de cette page.")
        if action_name not in ("approve", "reject"):
            raise PermissionDenied("Action inconnue.")
        comment = (kwargs.get("comment") or "").strip()
        if action_name == "reject" and not comment:
            raise ValidationError("Dites à l'auteur ce qu'il faut modifier.")
        task_state.refresh_from_db()
        super().on_action(task_state, user, action_name, comment=comment)
        from pages import notifications

        notifications.notify_decision(task_state, action_name, by=user)

