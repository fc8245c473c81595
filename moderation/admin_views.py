"""The director's side, in Wagtail's admin: the moderation queue (« Messages des
associations »), a message with its preview, its changes and its history, the
decisions; the associations of her schools, their members and authorisations.

Thin views: every list is a selector, every change a service (which checks the actor
again, whatever the view showed)."""

import difflib

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from wagtail.admin.ui.components import Component
from wagtail.models import ModelLogEntry

from moderation import content, selectors, services
from moderation.models import (
    Association,
    Authorization,
    DecisionCategory,
    Message,
)
from profiles.models import School, User
from profiles.selectors import directs_a_school, is_academie_staff

PER_PAGE = 25


def may_use_queue(user) -> bool:
    """Directors of publication in office and académie staff (memoised on the user for
    the request: the admin menu asks for each of its two items)."""
    cached = getattr(user, "_moderation_may_use_queue", None)
    if cached is None:
        # `selectors.may_register_association`, with the memoised `directs_a_school` that
        # the directory's admin menu items share (one query for the whole menu).
        cached = bool(selectors._active(user) and (is_academie_staff(user) or directs_a_school(user)))
        if getattr(user, "is_authenticated", False):
            user._moderation_may_use_queue = cached
    return cached


def _require_queue(request):
    if not may_use_queue(request.user):
        raise Http404


# --- The dashboard panel ------------------------------------------------------------------


class QueuePanel(Component):
    name = "moderation_queue"
    template_name = "moderation/admin/panel.html"
    order = 50

    def __init__(self, count: int):
        self.count = count

    def get_context_data(self, parent_context=None):
        return {"count": self.count, "queue_url": reverse("moderation_admin:queue")}


# --- Forms ----------------------------------------------------------------------------------


class RejectForm(forms.Form):
    category = forms.ChoiceField(
        label="Motif", choices=[("", "— Choisissez le motif —"), *DecisionCategory.choices],
        error_messages={"required": "Choisissez le motif du refus."})
    reason = forms.CharField(
        label="Explication pour l'auteur", widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000, error_messages={"required": "Expliquez le refus à l'auteur."})


class ChangesForm(forms.Form):
    comment = forms.CharField(
        label="Ce qu'il faut modifier", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        error_messages={"required": "Dites à l'auteur ce qu'il faut modifier."})


class AssociationForm(forms.Form):
    name = forms.CharField(label="Nom", max_length=150)
    kind = forms.ChoiceField(label="Nature", choices=Association.Kind.choices)
    contact_name = forms.CharField(label="Contact (nom)", max_length=150, required=False)
    contact_email = forms.EmailField(label="Courriel de contact")


class AuthorizeForm(forms.Form):
    association = forms.ModelChoiceField(label="Association", queryset=Association.objects.none(),
                                         empty_label="— Choisissez —")
    school = forms.ModelChoiceField(label="École", queryset=School.objects.none(),
                                    empty_label=None)
    ends_on = forms.DateField(
        label="Jusqu'au (inclus)", required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Par défaut : la fin de l'année scolaire (31 août).")

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = Association.objects.order_by("name")
        self.fields["school"].queryset = schools


class MemberForm(forms.Form):
    username = forms.CharField(label="Identifiant ENT du membre", max_length=150)


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Motif de la révocation", widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000,
                             error_messages={"required": "Donnez le motif de la révocation."})


# --- The queue ------------------------------------------------------------------------------


def queue(request):
    _require_queue(request)
    paginator = Paginator(selectors.queue_for(request.user), PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    return render(request, "moderation/admin/queue.html", {
        "page_obj": page, "messages_list": selectors.with_reach(page.object_list), "count": paginator.count,
        "header_title": "Messages des associations", "page_title": "Messages des associations",
        "header_icon": "mail",
        "decided": selectors.messages_decided_by(request.user).exclude(
            status__in=[Message.Status.PENDING, Message.Status.DRAFT]).select_related(
            "association", "school", "decided_by").order_by("-updated_at")[:20],
    })


def _diff(previous, current) -> list[tuple[str, str]]:
    """What changed between two submitted versions: (sign, line) pairs."""
    if previous is None:
        return []
    rows = []
    for label, old, new in (("Objet", previous.subject, current.subject),
                            ("Destinataires", previous.audience_label, current.audience_label),
                            ("Pièces jointes", ", ".join(previous.attachment_names) or "aucune",
                             ", ".join(current.attachment_names) or "aucune")):
        if old != new:
            rows += [("-", f"{label} : {old}"), ("+", f"{label} : {new}")]
    old_lines = content.body_as_text(previous.body).splitlines()
    new_lines = content.body_as_text(current.body).splitlines()
    for line in difflib.ndiff(old_lines, new_lines):
        if line[:1] in "-+" and line[2:].strip():
            rows.append((line[0], line[2:]))
    return rows


def message_history(message) -> list:
    return list(ModelLogEntry.objects.for_instance(message).select_related("user").order_by(
        "timestamp", "pk"))


def _decision_context(request, message, **forms_):
    versions = list(message.versions.all())
    current = versions[-1] if versions else None
    previous = versions[-2] if len(versions) > 1 else None
    reach = selectors.reach_of([message])[message.pk]
    return {
        "message": message, "versions": versions, "diff": _diff(previous, current),
        "previous": previous, "history": message_history(message), "reach": reach,
        "attachments": list(message.attachments.all()),
        "classes": list(message.audience_classes.all()),
        "reject_form": forms_.get("reject_form") or RejectForm(),
        "changes_form": forms_.get("changes_form") or ChangesForm(),
        "header_title": message.subject, "page_title": "Message d'association",
        "page_subtitle": message.subject, "header_icon": "mail",
        "Status": Message.Status,
    }


def message_detail(request, message_id):
    _require_queue(request)
    message = get_object_or_404(
        selectors.messages_decided_by(request.user).exclude(status=Message.Status.DRAFT)
        .select_related("association", "school", "author", "decided_by"), pk=message_id)
    forms_ = {}
    if request.method == "POST":
        action = request.POST.get("action")
        version = request.POST.get("version", "")  # absent: refused, never unchecked
        try:
            if action == "approve":
                count = services.message_approve(by=request.user, message=message, version=version)
                messages.success(request, f"« {message.subject} » est validé : distribué à {count} "
                                          "parent(s).")
                return redirect("moderation_admin:queue")
            if action == "reject":
                form = RejectForm(request.POST)
                forms_["reject_form"] = form
                if form.is_valid():
                    services.message_reject(by=request.user, message=message, version=version,
                                            category=form.cleaned_data["category"],
                                            reason=form.cleaned_data["reason"])
                    messages.success(request, f"« {message.subject} » est refusé ; l'auteur a reçu le motif.")
                    return redirect("moderation_admin:queue")
            elif action == "changes":
                form = ChangesForm(request.POST)
                forms_["changes_form"] = form
                if form.is_valid():
                    services.message_request_changes(by=request.user, message=message,
                                                     version=version,
                                                     comment=form.cleaned_data["comment"])
                    messages.success(request, f"Modifications demandées pour « {message.subject} ».")
                    return redirect("moderation_admin:queue")
            else:
                messages.error(request, "Action inconnue.")
                return redirect("moderation_admin:message", message.pk)
        except services.Refused as exc:
            messages.error(request, exc.message)
            return redirect("moderation_admin:message", message.pk)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        message.refresh_from_db()
    return render(request, "moderation/admin/message.html",
                  _decision_context(request, message, **forms_))


# --- Associations and authorisations ----------------------------------------------------------


def _managed_schools(user):
    ids = selectors.managed_school_ids(user)
    qs = School.objects.open().order_by("name")
    return qs if ids is None else qs.filter(pk__in=ids)


def associations(request):
    _require_queue(request)
    schools = _managed_schools(request.user)
    association_form = AssociationForm(prefix="new")
    authorize_form = AuthorizeForm(prefix="auth", schools=schools)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "create":
                association_form = AssociationForm(request.POST, prefix="new")
                if association_form.is_valid():
                    association = services.association_create(by=request.user,
                                                              **association_form.cleaned_data)
                    messages.success(request, f"« {association} » est enregistrée. Autorisez-la "
                                              "dans votre école et ajoutez ses membres.")
                    return redirect("moderation_admin:association", association.pk)
            elif request.POST.get("action") == "authorize":
                authorize_form = AuthorizeForm(request.POST, prefix="auth", schools=schools)
                if authorize_form.is_valid():
                    data = authorize_form.cleaned_data
                    ends_at = None
                    if data["ends_on"]:
                        from datetime import datetime, time, timedelta

                        ends_at = timezone.make_aware(
                            datetime.combine(data["ends_on"] + timedelta(days=1), time()))
                    services.authorization_grant(by=request.user, association=data["association"],
                                                 school=data["school"], ends_at=ends_at)
                    messages.success(request, f"« {data['association']} » peut écrire aux parents "
                                              f"de « {data['school'].name} ».")
                    return redirect("moderation_admin:associations")
        except services.Refused as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
    ids = selectors.managed_school_ids(request.user)
    return render(request, "moderation/admin/associations.html", {
        "authorizations": list(selectors.authorizations_of_school(ids)),
        "association_form": association_form, "authorize_form": authorize_form,
        "header_title": "Associations", "page_title": "Associations", "header_icon": "group",
    })


def association_detail(request, association_id):
    _require_queue(request)
    association = get_object_or_404(Association, pk=association_id)
    may_manage = selectors.may_manage_association(request.user, association)
    ids = selectors.managed_school_ids(request.user)
    authorizations = list(selectors.authorizations_of_school(ids).filter(association=association))
    if not may_manage and not authorizations:
        raise Http404
    member_form = MemberForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add_member":
                member_form = MemberForm(request.POST)
                if member_form.is_valid():
                    user = User.objects.filter(
                        username=member_form.cleaned_data["username"].strip()).first()
                    if user is None:
                        member_form.add_error("username", "Aucun compte ENT n'a cet identifiant.")
                    else:
                        services.member_add(by=request.user, association=association, user=user)
                        messages.success(request, f"{user} est membre de « {association} ».")
                        return redirect("moderation_admin:association", association.pk)
            elif request.POST.get("action") == "remove_member":
                user = get_object_or_404(User, pk=request.POST.get("user"))
                services.member_remove(by=request.user, association=association, user=user)
                messages.success(request, f"{user} n'est plus membre de « {association} ».")
                return redirect("moderation_admin:association", association.pk)
        except services.Refused as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
    return render(request, "moderation/admin/association.html", {
        "association": association, "may_manage": may_manage,
        "members": list(association.memberships.select_related("user").order_by(
            "user__last_name", "user__first_name")),
        "authorizations": authorizations, "member_form": member_form,
        "revoke_form": RevokeForm(),
        "history": list(ModelLogEntry.objects.for_instance(association).select_related("user")
                        .order_by("-timestamp")[:50]),
        "header_title": str(association), "page_title": "Association",
        "page_subtitle": str(association), "header_icon": "group",
    })


@require_POST
def authorization_revoke(request, authorization_id):
    _require_queue(request)
    authorization = get_object_or_404(Authorization, pk=authorization_id)
    if not selectors.may_manage_school(request.user, authorization.school_id):
        raise Http404
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Donnez le motif de la révocation (il est transmis à l'association).")
    else:
        try:
            withdrawn = services.authorization_revoke(by=request.user, authorization=authorization,
                                                      reason=form.cleaned_data["reason"])
            messages.success(request, f"L'autorisation de « {authorization.association} » est "
                                      f"révoquée ; {withdrawn} message(s) en attente retiré(s).")
        except services.Refused as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
    return redirect("moderation_admin:association", authorization.association_id)


urlpatterns = [
    path("", queue, name="queue"),
    path("messages/<int:message_id>/", message_detail, name="message"),
    path("associations/", associations, name="associations"),
    path("associations/<int:association_id>/", association_detail, name="association"),
    path("autorisations/<int:authorization_id>/revoquer/", authorization_revoke, name="revoke"),
]
