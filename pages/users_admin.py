"""Wagtail's users and groups admin, with the derived groups and privileged accounts
out of hand's reach.

The rules themselves are enforced on the models, for every door (derived groups:
`pages.guards`; who may change whose account: `profiles.privileges`). This module
makes the admin offer only what those rules allow, with French explanations
instead of errors:
- derived groups are not listed in Settings › Groups, cannot be edited or deleted
  there, are offered neither by the user form nor by the « assign role » bulk
  action, and saving a user keeps her derived memberships as they are;
- the « Administrator » (superuser) box is shown only to superusers;
- the account of someone who outranks the actor (a superuser, for académie staff)
  is not editable, deletable, (de)activable or assignable by her."""

from django.contrib import messages
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.users.views import groups, users
from wagtail.users.views.bulk_actions.assign_role import AssignRoleBulkAction, RoleForm
from wagtail.users.views.bulk_actions.delete import DeleteBulkAction
from wagtail.users.views.bulk_actions.set_active_state import SetActiveStateBulkAction

from pages.guards import DERIVED_GROUP_REFUSAL
from profiles.privileges import OUTRANKED_REFUSAL, may_administer


def hand_managed_groups():
    return Group.objects.filter(space_group__isnull=True)


class RefuseDerivedGroup:
    def get_object(self, queryset=None):
        group = super().get_object(queryset)
        if hasattr(group, "space_group"):
            raise PermissionDenied(DERIVED_GROUP_REFUSAL)
        return group


class GroupIndexView(groups.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().filter(space_group__isnull=True)


class GroupEditView(RefuseDerivedGroup, groups.EditView):
    pass


class GroupDeleteView(RefuseDerivedGroup, groups.DeleteView):
    pass


class GroupViewSet(groups.GroupViewSet):
    index_view_class = GroupIndexView
    edit_view_class = GroupEditView
    delete_view_class = GroupDeleteView
    copy_view_enabled = False


def hand_managed_groups_only(form_class):
    """The user form offers hand-managed groups only, and its save changes those only:
    derived memberships are never touched (the data layer would refuse it)."""

    class Form(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if "groups" in self.fields:
                self.fields["groups"].queryset = hand_managed_groups()

        def _save_m2m(self):
            chosen = self.cleaned_data.pop("groups", None) if "groups" in self.fields else None
            super()._save_m2m()
            if chosen is None:
                return
            wanted = {g.pk for g in chosen}
            current = set(
                self.instance.groups.filter(space_group__isnull=True).values_list("pk", flat=True)
            )
            if current - wanted:
                self.instance.groups.remove(*(current - wanted))
            if wanted - current:
                self.instance.groups.add(*(wanted - current))

    Form.__name__ = form_class.__name__
    return Form


class SuperuserBoxForSuperusersOnly:
    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.request.user.is_superuser:
            form.fields.pop("is_superuser", None)
        return form


class UserCreateView(SuperuserBoxForSuperusersOnly, users.CreateView):
    pass


class UserEditView(SuperuserBoxForSuperusersOnly, users.EditView):
    pass


class UserViewSet(users.UserViewSet):
    add_view_class = UserCreateView
    edit_view_class = UserEditView

    def get_form_class(self, for_update=False):
        return hand_managed_groups_only(super().get_form_class(for_update))


def _refuse_outranking(request, user):
    if not may_administer(request.user, user):
        messages.error(request, OUTRANKED_REFUSAL)
        return redirect("wagtailusers_users:index")
    return None


@hooks.register("before_edit_user")
def refuse_editing_an_outranking_account(request, user):
    return _refuse_outranking(request, user)


@hooks.register("before_delete_user")
def refuse_deleting_an_outranking_account(request, user):
    return _refuse_outranking(request, user)


# --- Bulk actions: the same rules (registered after Wagtail's, which they replace) ---


class HandManagedRoleForm(RoleForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = hand_managed_groups()
        self.fields["role"].help_text = (
            "Les groupes des espaces et de l'académie sont dérivés de l'annuaire : "
            "ils ne s'attribuent pas ici."
        )


class OutrankedAccountsExcluded:
    def check_perm(self, obj):
        return super().check_perm(obj) and may_administer(self.request.user, obj)


class PortalAssignRoleBulkAction(OutrankedAccountsExcluded, AssignRoleBulkAction):
    form_class = HandManagedRoleForm


class PortalSetActiveStateBulkAction(OutrankedAccountsExcluded, SetActiveStateBulkAction):
    pass


class PortalDeleteBulkAction(OutrankedAccountsExcluded, DeleteBulkAction):
    pass


for _action in (PortalAssignRoleBulkAction, PortalSetActiveStateBulkAction, PortalDeleteBulkAction):
    hooks.register("register_bulk_action", _action, order=100)
