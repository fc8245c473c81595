"""The portal's pages of the moderation app (never the admin):

- `/associations/…`: association members write, list, revise, submit and withdraw
  their messages;
- `/messages/…`: a parent's inbox (« Mes messages »), her preference;
- the attachments of a message, sent after the check (`selectors.message_readable_by`).

Thin: what is shown comes from `selectors`, what changes goes through `services`."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from moderation import content, selectors, services
from moderation.forms import RULES, MessageForm, PreferenceForm, SubmitForm
from moderation.models import Authorization, Message, MessageAttachment
from profiles.models import School

PER_PAGE = 20


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc.messages)


def editable_body(html: str) -> str:
    """What the textarea shows when she revises: plain text when the body has no other
    formatting than paragraphs and line breaks, the HTML otherwise."""
    if not re.search(r"<(?!/?(p|br)\b)[a-z]", html or ""):
        return content.body_as_text(html)
    return html


# --- The member's pages -------------------------------------------------------------------


@login_required
def member_home(request):
    user = request.user
    associations = list(selectors.associations_of_member(user))
    if not associations:
        return render(request, "moderation/member_none.html", status=200)
    authorizations = list(Authorization.objects.current().filter(
        association__in=associations).select_related("school", "association").order_by(
        "association__name", "school__name"))
    paginator = Paginator(selectors.messages_of_member(user).select_related(
        "association", "school", "author").order_by("-updated_at", "-pk"), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "moderation/member_home.html", {
        "associations": associations, "authorizations": authorizations, "page_obj": page,
        "messages_list": list(page.object_list),
    })


def _form_context(form, school, association, message=None):
    return {"form": form, "school": school, "association": association, "message": message,
            "rules": RULES}


def _save_from_form(request, form, *, message=None, association=None, school=None):
    """Save (and submit when asked) in one transaction: a refused submission keeps
    nothing of the save either."""
    data = form.cleaned_data
    submit = request.POST.get("intent") == "submit"
    with transaction.atomic():
        saved = services.message_save(
            by=request.user, message=message, association=association, school=school,
            subject=data["subject"], body=data["body"], audience=data["audience"],
            class_ids=[c.pk for c in data.get("audience_classes") or []],
            files=data.get("files") or [], remove_attachment_ids=data.get("remove_attachments") or [],
            rules_accepted=data.get("rules_accepted", False))
        if submit and saved.status != Message.Status.PENDING:
            services.message_submit(by=request.user, message=saved,
                                    rules_accepted=data.get("rules_accepted", False))
    return saved, submit


@login_required
def message_new(request, association_id, school_id):
    association = get_object_or_404(selectors.associations_of_member(request.user),
                                    pk=association_id)
    school = get_object_or_404(School, pk=school_id)
    if not Authorization.objects.current().filter(association=association, school=school).exists():
        messages.error(request, services.NOT_AUTHORIZED % {"association": association,
                                                           "school": school.name})
        return redirect("associations:home")
    form = MessageForm(school=school)
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES, school=school)
        if form.is_valid():
            try:
                saved, submitted = _save_from_form(request, form, association=association,
                                                   school=school)
            except services.Refused as exc:
                # Refused (a revocation meanwhile, the daily limit…): nothing is saved,
                # and what she wrote stays in the form (attachments are to be chosen again).
                form.add_error(None, exc.message)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, "Votre message est soumis à la direction de l'école."
                                 if submitted else "Votre brouillon est enregistré.")
                return redirect("associations:message", saved.pk)
    return render(request, "moderation/message_form.html",
                  _form_context(form, school, association))


def _members_message(request, message_id):
    return get_object_or_404(
        selectors.messages_of_member(request.user).select_related("association", "school",
                                                                   "author", "decided_by"),
        pk=message_id)


@login_required
def message_edit(request, message_id):
    message = _members_message(request, message_id)
    if not message.is_editable:
        messages.error(request, "Ce message ne peut plus être modifié.")
        return redirect("associations:message", message.pk)
    attachments = list(message.attachments.all())
    initial = {"subject": message.subject, "body": editable_body(message.body),
               "audience": message.audience,
               "audience_classes": list(message.audience_classes.all())}
    form = MessageForm(initial=initial, school=message.school, attachments=attachments)
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES, school=message.school,
                           attachments=attachments)
        if form.is_valid():
            try:
                saved, submitted = _save_from_form(request, form, message=message)
            except services.Refused as exc:
                # Refused (a revocation meanwhile, the daily limit…): nothing is saved,
                # and what she wrote stays in the form (attachments are to be chosen again).
                form.add_error(None, exc.message)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                if saved.status == Message.Status.PENDING:
                    messages.success(request, "Votre message modifié est soumis à la direction "
                                              "(nouvelle version).")
                else:
                    messages.success(request, "Votre message est soumis à la direction de l'école."
                                     if submitted else "Votre brouillon est enregistré.")
                return redirect("associations:message", saved.pk)
    context = _form_context(form, message.school, message.association, message)
    context["attachments"] = attachments
    return render(request, "moderation/message_form.html", context)


@login_required
def message_detail(request, message_id):
    message = _members_message(request, message_id)
    return render(request, "moderation/member_message.html", {
        "message": message, "attachments": list(message.attachments.all()),
        "versions": list(message.versions.all()), "submit_form": SubmitForm(), "rules": RULES,
        "classes": list(message.audience_classes.all()),
    })


@login_required
@require_POST
def message_submit(request, message_id):
    message = _members_message(request, message_id)
    form = SubmitForm(request.POST)
    form.is_valid()
    try:
        services.message_submit(by=request.user, message=message,
                                rules_accepted=form.cleaned_data.get("rules_accepted", False))
    except services.Refused as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, "Votre message est soumis à la direction de l'école.")
    return redirect("associations:message", message.pk)


@login_required
@require_POST
def message_withdraw(request, message_id):
    message = _members_message(request, message_id)
    try:
        services.message_withdraw(by=request.user, message=message)
    except services.Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Votre message est retiré : il ne sera pas envoyé.")
    return redirect("associations:message", message.pk)


@login_required
def attachment_download(request, attachment_id):
    """An attachment, for whoever may read its message; 404 otherwise (its existence is
    not revealed). Always downloaded, never shown inline."""
    attachment = get_object_or_404(MessageAttachment.objects.select_related("message"),
                                   pk=attachment_id)
    if not selectors.message_readable_by(request.user, attachment.message):
        raise Http404
    response = FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- The inbox ---------------------------------------------------------------------------


@login_required
def inbox(request):
    user = request.user
    paginator = Paginator(selectors.inbox_of(user), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "moderation/inbox.html", {
        "page_obj": page, "deliveries": list(page.object_list),
        "unread": selectors.unread_count(user),
        "preference_form": PreferenceForm(initial={
            "declines_associations": selectors.declines_associations(user)}),
    })


@login_required
def inbox_message(request, delivery_id):
    delivery = get_object_or_404(selectors.inbox_of(request.user), pk=delivery_id)
    if delivery.read_at is None:
        services.inbox_mark_read(user=request.user, delivery_ids=[delivery.pk])
    message = delivery.message
    return render(request, "moderation/inbox_message.html", {
        "delivery": delivery, "message": message, "attachments": list(message.attachments.all()),
    })


@login_required
@require_POST
def inbox_mark_all_read(request):
    count = services.inbox_mark_read(user=request.user)
    messages.success(request, f"{count} message(s) marqué(s) comme lu(s)." if count else
                     "Tous vos messages étaient déjà lus.")
    return redirect("inbox")


@login_required
@require_POST
def inbox_preference(request):
    form = PreferenceForm(request.POST)
    form.is_valid()
    declines = form.cleaned_data.get("declines_associations", False)
    services.inbox_set_declines(user=request.user, declines=declines)
    messages.success(request, "Vous ne recevrez plus les messages des associations." if declines
                     else "Vous recevrez les messages des associations validés par la direction.")
    return redirect("inbox")

