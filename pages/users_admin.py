"""Wagtail's users and groups admin, with the derived groups out of hand's reach.

The per-space groups are written by `pages.rights` only. In the admin they are
not listed among the groups, cannot be edited or deleted, and are not offered on
the user form — whose save keeps the user's derived memberships as they are."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from wagtail.users.views import groups, users

DERIVED_GROUP_REFUSAL = (
    "Ce groupe est dérivé de l'annuaire : ses membres et ses droits se règlent par les "
    "rattachements et les rôles (menu « Annuaire »), jamais à la main."
)


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


def keep_derived_memberships(form_class):
    class Form(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if "groups" in self.fields:
                self.fields["groups"].queryset = hand_managed_groups()
            self._derived_group_ids = (
                list(self.instance.groups.filter(space_group__isnull=False).values_list("pk", flat=True))
                if self.instance.pk else []
            )

        def _save_m2m(self):
            super()._save_m2m()
            if self._derived_group_ids:
                self.instance.groups.add(*self._derived_group_ids)

    Form.__name__ = form_class.__name__
    return Form


class UserViewSet(users.UserViewSet):
    def get_form_class(self, for_update=False):
        return keep_derived_memberships(super().get_form_class(for_update))
