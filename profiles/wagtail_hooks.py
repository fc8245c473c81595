"""Wagtail admin wiring of the directory: an « Annuaire » menu for académie staff.

Attachments and role grants are saved through `profiles.services`, so that the
admin validates, audits and re-derives rights exactly like every other door."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView as SnippetDeleteView, SnippetViewSet

from profiles import activation, activation_admin, selectors, services
from profiles.forms import DataRequestCloseForm
from profiles.models import (
    Academie,
    Attachment,
    Charter,
    Circonscription,
    Collectivity,
    DataRequest,
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
            # Wagtail's form_invalid() reads these; its is_valid() sets them only for
            # the errors it found itself (without them: AttributeError, a server error).
            self.produced_error_code = "validation_error"
            self.produced_error_message = " ".join(exc.messages)
            return self.form_invalid(form)


class UserProfileCreateView(ServiceErrorsAsFormErrors, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.profile_add(user=data["user"], profile=data["profile"], by=self.request.user)


class UserProfileEditView(generic.EditView):
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied("Un profil ne se modifie pas : retirez-le et ajoutez-en un autre.")


class UserProfileDeleteView(generic.DeleteView):
    def delete_action(self):
        services.profile_remove(user_profile=self.object, by=self.request.user)


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
    def get_form_class(self):
        from django import forms

        base = super().get_form_class()

        class RoleGrantForm(base):
            replace = forms.BooleanField(
                label="Passation : remplace le titulaire en fonction", required=False,
                help_text=(
                    "Le mandat du titulaire actuel prend fin à la date de début de ce rôle "
                    "(une date future prépare la passation)."
                ),
            )

        return RoleGrantForm

    def save_instance(self):
        data = self.form.cleaned_data
        return services.role_grant(
            by=self.request.user, role=data["role"], user=data["user"],
            school=data.get("school"), collectivity=data.get("collectivity"),
            starts_at=data.get("starts_at"), ends_at=data.get("ends_at"),
            replace=data.get("replace", False),
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


class StructureCreateView(ServiceErrorsAsFormErrors, generic.CreateView):
    """A school or collectivity created here gets its space, collection and groups at once."""

    def save_instance(self):
        fields = services.STRUCTURE_FIELDS[self.model]
        return services.structure_create(
            model=self.model, by=self.request.user,
            **{f: self.form.cleaned_data[f] for f in fields if f in self.form.cleaned_data},
        )


class StructureEditView(ServiceErrorsAsFormErrors, generic.EditView):
    """Changing a structure renames its space (the old address redirects)."""

    def save_instance(self):
        fields = services.STRUCTURE_FIELDS[self.model]
        return services.structure_update(
            structure=self.object, by=self.request.user,
            **{f: self.form.cleaned_data[f] for f in fields if f in self.form.cleaned_data},
        )


class StructureCloseView(generic.DeleteView):
    """« Supprimer » closes: a structure is never deleted (its history stays), its
    space is archived, its roles end (services.structure_close)."""

    page_title = "Fermer"

    @property
    def confirmation_message(self):
        return (
            f"Fermer « {self.object} » ? Son espace sera archivé (dépublié, conservé), ses rôles "
            "prendront fin et ses rattachements ne compteront plus. Rien n'est supprimé."
        )

    def get_usage_url(self):
        return None  # nothing is deleted: what refers to it stays

    def form_valid(self, form):
        try:
            services.structure_close(structure=self.object, by=self.request.user)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect(self.index_url_name)
        messages.success(
            self.request,
            f"« {self.object} » est fermée : son espace est archivé (dépublié, conservé), "
            "ses rôles ont pris fin et ses droits dérivés sont retirés.",
        )
        return redirect(self.get_success_url())


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
    add_view_class = StructureCreateView
    edit_view_class = StructureEditView
    delete_view_class = StructureCloseView
    icon = "home"
    form_fields = ["name", "siret", "insee_code", "kind", "departement", "grouping"]
    list_display = ["name", "siret", "insee_code", "kind", "departement", "closed_at"]
    list_filter = ["kind", "departement"]
    search_fields = ["name", "siret", "insee_code"]
    copy_view_enabled = False


class SchoolViewSet(ModelViewSet):
    model = School
    index_view_class = index_view_with(School, "collectivity")
    add_view_class = StructureCreateView
    edit_view_class = StructureEditView
    delete_view_class = StructureCloseView
    icon = "home"
    form_fields = ["uai", "name", "address", "postal_code", "city", "collectivity", "circonscription"]
    list_display = ["name", "uai", "city", "collectivity", "closed_at"]
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
    index_view_class = index_view_with(UserProfile, "user", editable=False)
    add_view_class = UserProfileCreateView
    edit_view_class = UserProfileEditView
    delete_view_class = UserProfileDeleteView
    inspect_view_enabled = True
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
    actions.register_action("profiles.charter_decline", "Refus de la charte", "Charte refusée")
    actions.register_action("profiles.structure_close", "Fermeture d'une structure", "Structure fermée")
    actions.register_action(
        "profiles.directory_import", "Import de l'annuaire (AAF / ONDE)", "Annuaire importé"
    )
    actions.register_action(
        "profiles.data_request_submit", "Dépôt d'une demande RGPD", "Demande RGPD déposée"
    )
    actions.register_action(
        "profiles.data_request_close", "Réponse à une demande RGPD", "Demande RGPD traitée"
    )
    actions.register_action(
        "profiles.activation_codes", "Impression de codes d'activation", "Codes d'activation émis"
    )


# --- The charter: a snippet with drafts, revisions and publication --------------


class CharterDeleteView(SnippetDeleteView):
    """A version someone accepted is the proof of that acceptance: it is never deleted."""

    def dispatch(self, request, *args, **kwargs):
        if self.object.acceptances.exists():
            messages.error(
                request,
                "Cette version de la charte a déjà été acceptée : elle ne peut pas être supprimée, "
                "car elle prouve ce que les utilisateurs ont accepté. Pour la remplacer, publiez "
                "une nouvelle version.",
            )
            return redirect(reverse(self.edit_url_name, args=[self.object.pk]))
        return super().dispatch(request, *args, **kwargs)


class CharterViewSet(SnippetViewSet):
    model = Charter
    icon = "doc-full"
    menu_label = "Charte d'utilisation"
    menu_order = 260
    add_to_admin_menu = True
    delete_view_class = CharterDeleteView
    list_display = ["version", "title", "effective_at", "requires_reacceptance", "live"]
    copy_view_enabled = True
    panels = [
        MultiFieldPanel(
            [FieldPanel("version"), FieldPanel("title"), FieldPanel("effective_at"),
             FieldPanel("requires_reacceptance")],
            heading="Version",
        ),
        FieldPanel("text_adult"),
        FieldPanel("text_pupil"),
    ]


register_snippet(CharterViewSet)


# --- Personal-data requests (« Demandes RGPD ») ------------------------------------


class DataRequestPermissionPolicy(ModelPermissionPolicy):
    """Académie staff see every request; a director of publication in office sees
    the requests about her schools. Nobody adds or deletes requests in the admin:
    users file them from « Mes données », and they are kept as history."""

    def user_has_permission(self, user, action):
        if not (user.is_active and user.is_authenticated) or action not in {"view", "change"}:
            return False
        return selectors.is_academie_staff(user) or selectors.directed_school_ids(user).exists()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and selectors.data_request_can_close(
            user, instance
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return DataRequest.objects.none()
        return selectors.data_requests_handled_by(user)


register_permission_policy(DataRequest, DataRequestPermissionPolicy(DataRequest))


class HandledRequestsOnly:
    """Every admin view of a request looks it up among those routed to the user."""

    def get_base_object_queryset(self):
        return selectors.data_requests_handled_by(self.request.user)

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_base_object_queryset(), pk=self.kwargs["pk"])


class DataRequestInspectView(HandledRequestsOnly, generic.InspectView):
    pass


class DataRequestHistoryView(HandledRequestsOnly, HistoryView):
    pass


class DataRequestUsageView(HandledRequestsOnly, UsageView):
    pass


class DataRequestIndexView(generic.IndexView):
    def get_base_queryset(self):
        return selectors.data_requests_handled_by(self.request.user)


class DataRequestEditView(ServiceErrorsAsFormErrors, generic.EditView):
    """Answering a request closes it, through `services.data_request_close`."""

    def get_object(self, queryset=None):
        return get_object_or_404(selectors.data_requests_handled_by(self.request.user),
                                 pk=self.kwargs["pk"])

    def save_instance(self):
        data = self.form.cleaned_data
        return services.data_request_close(
            data_request=self.object, by=self.request.user, status=data["status"],
            response=data["response"],
        )


class DataRequestViewSet(ModelViewSet):
    model = DataRequest
    icon = "form"
    menu_label = "Demandes RGPD"
    menu_order = 270
    add_to_admin_menu = True
    list_display = ["created_at", "kind", "user", "school", "status", "closed_at"]
    inspect_view_fields = ["user", "kind", "message", "school", "created_at", "status",
                           "response", "closed_at", "closed_by"]
    list_filter = ["status", "kind"]
    search_fields = ["user__username", "user__last_name", "message"]
    index_view_class = DataRequestIndexView
    inspect_view_class = DataRequestInspectView
    history_view_class = DataRequestHistoryView
    usage_view_class = DataRequestUsageView
    edit_view_class = DataRequestEditView
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return DataRequestCloseForm


@hooks.register("register_admin_viewset")
def register_data_requests():
    return DataRequestViewSet("demandes-rgpd")


# --- Activation codes (« Codes d'activation », profiles/activation_admin.py) ------------


@hooks.register("register_admin_urls")
def register_activation_codes_urls():
    return [path("codes-activation/", include((activation_admin.urlpatterns, "profiles_activation"),
                                              namespace="profiles_activation"))]


class ActivationCodesMenuItem(MenuItem):
    """Shown to those who may print codes: directors of publication in office, académie staff."""

    def is_shown(self, request):
        return activation.may_issue_codes(request.user)


@hooks.register("register_admin_menu_item")
def register_activation_codes_menu_item():
    return ActivationCodesMenuItem("Codes d'activation", reverse("profiles_activation:index"),
                                   icon_name="key", order=265)


# « Import de l'annuaire » (upload, dry run, confirm): its hooks live beside its views.
from profiles import import_admin  # noqa: E402, F401
