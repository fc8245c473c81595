"""Wagtail admin wiring of the directory: an « Annuaire » menu for académie staff.

Attachments and role grants are saved through `profiles.services`, so that the
admin validates, audits and re-derives rights exactly like every other door."""

from django.core.exceptions import PermissionDenied, ValidationError
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from profiles import services
from profiles.models import (
    Academie,
    Attachment,
    Circonscription,
    Collectivity,
    Departement,
    RoleGrant,
    School,
    SchoolClass,
    UserProfile,
)


class ServiceErrorsAsFormErrors:
    """A ValidationError raised by a service (for example a concurrent writer who
    won) is shown on the form, in French, instead of a server error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.form_invalid(form)


class AttachmentCreateView(ServiceErrorsAsFormErrors, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.attachment_add(
            by=self.request.user,
            **{f: data.get(f) for f in ("user", "kind", "school_year", "school",
                                        "school_class", "collectivity", "pupil")},
        )


class AttachmentEditView(generic.EditView):
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied(
            "Un rattachement ne se modifie pas : supprimez-le et créez-en un autre."
        )


class AttachmentDeleteView(generic.DeleteView):
    def delete_action(self):
        services.attachment_remove(attachment=self.object, by=self.request.user)


class RoleGrantCreateView(ServiceErrorsAsFormErrors, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.role_grant(
            by=self.request.user, role=data["role"], user=data["user"],
            school=data.get("school"), collectivity=data.get("collectivity"),
            starts_at=data.get("starts_at"), ends_at=data.get("ends_at"),
        )


class RoleGrantEditView(ServiceErrorsAsFormErrors, generic.EditView):
    """Editing a grant means ending it: history is never rewritten."""

    def get_form_class(self):
        from django import forms

        class EndGrantForm(forms.ModelForm):
            class Meta:
                model = RoleGrant
                fields = ["ends_at"]
                labels = {"ends_at": "Fin du rôle"}

            def clean_ends_at(self):
                value = self.cleaned_data.get("ends_at")
                if value is None:
                    raise ValidationError("Indiquez la date de fin du rôle.")
                return value

        return EndGrantForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("for_user", None)
        return kwargs

    def save_instance(self):
        return services.role_grant_end(
            grant=self.object, by=self.request.user, at=self.form.cleaned_data["ends_at"]
        )


class RoleGrantDeleteView(generic.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied("Un rôle ne se supprime pas : mettez-y fin pour garder l'historique.")


def index_view_with(model, *related, editable=True, deletable=True):
    """An admin listing that fetches what its columns show in the same query, and
    offers no edit (or delete) link where the model's lifecycle forbids it."""
    attrs = {"queryset": model._default_manager.select_related(*related)}
    if not editable:
        attrs["get_edit_url"] = lambda self, instance: None
    if not deletable:
        attrs["get_delete_url"] = lambda self, instance: None
    return type(f"{model.__name__}IndexView", (generic.IndexView,), attrs)


class AcademieViewSet(ModelViewSet):
    model = Academie
    icon = "site"
    form_fields = ["code", "name"]
    list_display = ["name", "code"]
    copy_view_enabled = False


class DepartementViewSet(ModelViewSet):
    model = Departement
    index_view_class = index_view_with(Departement, "academie")
    icon = "site"
    form_fields = ["academie", "code", "name"]
    list_display = ["code", "name", "academie"]
    list_filter = ["academie"]
    search_fields = ["name", "code"]
    copy_view_enabled = False


class CirconscriptionViewSet(ModelViewSet):
    model = Circonscription
    index_view_class = index_view_with(Circonscription, "departement")
    icon = "site"
    form_fields = ["departement", "name"]
    list_display = ["name", "departement"]
    list_filter = ["departement"]
    search_fields = ["name"]
    copy_view_enabled = False


class CollectivityViewSet(ModelViewSet):
    model = Collectivity
    index_view_class = index_view_with(Collectivity, "departement")
    icon = "home"
    form_fields = ["name", "siret", "insee_code", "kind", "departement"]
    list_display = ["name", "siret", "insee_code", "kind", "departement"]
    list_filter = ["kind", "departement"]
    search_fields = ["name", "siret", "insee_code"]
    copy_view_enabled = False


class SchoolViewSet(ModelViewSet):
    model = School
    index_view_class = index_view_with(School, "collectivity")
    icon = "home"
    form_fields = ["uai", "name", "address", "postal_code", "city", "collectivity", "circonscription"]
    list_display = ["name", "uai", "city", "collectivity"]
    list_filter = ["circonscription", "collectivity"]
    search_fields = ["name", "uai", "city"]
    copy_view_enabled = False


class SchoolClassViewSet(ModelViewSet):
    model = SchoolClass
    index_view_class = index_view_with(SchoolClass, "school")
    icon = "group"
    form_fields = ["school", "school_year", "level", "name"]
    list_display = ["name", "level", "school", "school_year"]
    list_filter = ["school_year", "level"]
    search_fields = ["name"]


class UserProfileViewSet(ModelViewSet):
    model = UserProfile
    index_view_class = index_view_with(UserProfile, "user")
    icon = "user"
    form_fields = ["user", "profile"]
    list_display = ["user", "profile"]
    list_filter = ["profile"]
    search_fields = ["user__username", "user__last_name"]
    copy_view_enabled = False


class AttachmentViewSet(ModelViewSet):
    model = Attachment
    index_view_class = index_view_with(
        Attachment, "user", "school", "school_class__school", "collectivity", "pupil",
        editable=False,
    )
    inspect_view_enabled = True
    icon = "link"
    form_fields = ["user", "kind", "school_year", "school", "school_class", "collectivity", "pupil"]
    list_display = ["user", "kind", Column("target_label", label="Rattaché à"), "school_year"]
    list_filter = ["kind", "school_year"]
    search_fields = ["user__username", "user__last_name"]
    add_view_class = AttachmentCreateView
    edit_view_class = AttachmentEditView
    delete_view_class = AttachmentDeleteView
    copy_view_enabled = False


class RoleGrantViewSet(ModelViewSet):
    model = RoleGrant
    index_view_class = index_view_with(
        RoleGrant, "user", "school", "collectivity", "granted_by", deletable=False
    )
    inspect_view_enabled = True
    icon = "key"
    form_fields = ["user", "role", "school", "collectivity", "starts_at", "ends_at"]
    list_display = [
        "user", "role", Column("structure", label="Structure"), "starts_at", "ends_at", "granted_by"
    ]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name"]
    add_view_class = RoleGrantCreateView
    edit_view_class = RoleGrantEditView
    delete_view_class = RoleGrantDeleteView
    copy_view_enabled = False


class DirectoryViewSetGroup(ViewSetGroup):
    menu_label = "Annuaire"
    menu_icon = "group"
    menu_order = 250
    items = (
        AcademieViewSet("academies"),
        DepartementViewSet("departements"),
        CirconscriptionViewSet("circonscriptions"),
        CollectivityViewSet("collectivites"),
        SchoolViewSet("ecoles"),
        SchoolClassViewSet("classes"),
        UserProfileViewSet("profils"),
        AttachmentViewSet("rattachements"),
        RoleGrantViewSet("roles"),
    )


@hooks.register("register_admin_viewset")
def register_directory():
    return DirectoryViewSetGroup()


@hooks.register("register_log_actions")
def register_directory_log_actions(actions):
    actions.register_action("profiles.role_grant", "Attribution d'un rôle", "Rôle attribué")
    actions.register_action("profiles.role_end", "Fin d'un rôle", "Rôle terminé")
