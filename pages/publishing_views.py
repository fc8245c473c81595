"""Admin views of editorial responsibility (pages/publishing.py): the form where the
direction of publication gives the reason for taking a publication off."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from pages.publishing import (
    REASON_MAX_LENGTH,
    is_publication,
    may_unpublish_publication,
    publication_unpublish,
)


class UnpublishReasonForm(forms.Form):
    reason = forms.CharField(
        label="Motif de la dépublication", max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Le motif est conservé dans l'historique de l'espace et envoyé à l'auteur.",
        error_messages={"required": "Indiquez le motif de la dépublication : il est transmis à l'auteur."},
    )


class PublicationUnpublishView(WagtailAdminTemplateMixin, FormView):
    template_name = "wagtailadmin/generic/form.html"
    form_class = UnpublishReasonForm
    page_title = "Dépublier"
    header_icon = "doc-empty-inverse"

    def dispatch(self, request, page_id):
        page = get_object_or_404(Page, pk=page_id)
        if not is_publication(page):
            raise Http404
        if not may_unpublish_publication(request.user, page):
            raise PermissionDenied
        self.page = page.specific
        return super().dispatch(request)

    def get_page_subtitle(self):
        return self.page.get_admin_display_title()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action_url=reverse("portal_publication_unpublish", args=[self.page.pk]),
            submit_button_label="Dépublier maintenant",
            submit_button_active_label="Dépublication…",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            publication_unpublish(self.page, by=self.request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"« {self.page.get_admin_display_title()} » est dépubliée ; "
                                       "l'auteur a reçu le motif.")
        return redirect("wagtailadmin_explore", self.page.get_parent().pk)
