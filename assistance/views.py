"""The portal's side of the assistance app (never the admin):

- « Signaler » a publication she reads (`/signaler/publication/<id>/`) or an association
  message in her inbox (`/signaler/message/<id>/`); what she may not read is 404, as
  what does not exist;
- « Mes signalements » (`/signalements/`): the outcome of each;
- « Demander de l'aide » (`/aide/nouvelle/`, from any page: the page it was sent from
  comes with `?depuis=` or the Referer), « Mes demandes d'aide » (`/aide/`) and each
  request's thread (`/aide/<id>/`).

Thin: what is shown comes from `selectors`, what changes goes through `services`."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from assistance import selectors, services
from assistance.forms import HelpReplyForm, HelpRequestForm, ReportForm
from assistance.models import Report

PER_PAGE = 20


def _errors(form, exc: ValidationError) -> None:
    form.add_error(None, exc.messages)


def _report_view(request, *, target, title, kind, back_url, submit):
    already = Report.objects.filter(reporter=request.user, **target).exists()
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not already and form.is_valid():
        try:
            submit(reason=form.cleaned_data["reason"], text=form.cleaned_data["text"])
        except services.Unreadable:
            raise Http404 from None
        except services.Refused as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "Merci : votre signalement a été transmis à la direction de "
                                      "publication. Vous serez informé(e) de la suite.")
            return redirect("assistance:reports")
    return render(request, "assistance/report_form.html", {
        "form": form, "title": title, "kind": kind, "back_url": back_url, "already": already})


@login_required
def report_publication(request, page_id):
    page = selectors.readable_publication(request.user, page_id)
    if page is None:
        raise Http404
    return _report_view(
        request, target={"page_id": page.pk}, title=page.title, kind="la publication",
        back_url=page.url,
        submit=lambda **data: services.report_publication(by=request.user, page_id=page.pk, **data))


@login_required
def report_message(request, message_id):
    from django.urls import reverse

    delivery = selectors.reportable_delivery(request.user, message_id)
    if delivery is None:
        raise Http404
    return _report_view(
        request, target={"message_id": delivery.message_id}, title=delivery.message.subject,
        kind="le message", back_url=reverse("inbox_message", args=[delivery.pk]),
        submit=lambda **data: services.report_message(by=request.user,
                                                      message_id=delivery.message_id, **data))


@login_required
def my_reports(request):
    page = Paginator(selectors.reports_of(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "assistance/my_reports.html", {"page_obj": page})


def _from_page(request) -> str:
    """The page she asks from: `?depuis=`, else the Referer of this site — a path only."""
    depuis = request.GET.get("depuis") or request.POST.get("depuis")
    if not depuis:
        referer = request.headers.get("Referer", "")
        parts = urlsplit(referer)
        if parts.netloc and parts.netloc != request.get_host():
            return ""
        depuis = parts.path + (f"?{parts.query}" if parts.query else "")
    return services.clean_page_url(depuis)


@login_required
def help_new(request):
    destinations = selectors.help_destinations(request.user)
    form = HelpRequestForm(request.POST if request.method == "POST" else None, destinations=destinations,
                           initial={"depuis": _from_page(request)})
    if request.method == "POST" and form.is_valid():
        try:
            help_request = services.help_request_submit(
                by=request.user, destination=form.cleaned_data["destination"],
                category=form.cleaned_data["category"], text=form.cleaned_data["text"],
                page_url=form.cleaned_data["depuis"],
                user_agent=request.headers.get("User-Agent", ""))
        except services.Refused as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "Votre demande est envoyée. Vous recevrez la réponse par "
                                      "courriel et la retrouverez ici.")
            return redirect("assistance:help_detail", help_request.pk)
    return render(request, "assistance/help_form.html", {"form": form})


@login_required
def help_list(request):
    page = Paginator(selectors.help_requests_of(request.user), PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "assistance/help_list.html", {"page_obj": page})


@login_required
def help_detail(request, request_id):
    help_request = get_object_or_404(selectors.help_requests_of(request.user), pk=request_id)
    form = HelpReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.help_follow_up(by=request.user, help_request=help_request,
                                    text=form.cleaned_data["text"])
        except services.Refused as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "Votre message est ajouté à la demande.")
            return redirect("assistance:help_detail", help_request.pk)
    label, _handlers = selectors.help_route(help_request)
    return render(request, "assistance/help_detail.html", {
        "help_request": help_request, "routed_to": label, "form": form,
        "thread": help_request.thread.select_related("author")})


@login_required
@require_POST
def help_close(request, request_id):
    help_request = get_object_or_404(selectors.help_requests_of(request.user), pk=request_id)
    try:
        services.help_close(by=request.user, help_request=help_request)
    except services.Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Votre demande est close. Merci !")
    return redirect("assistance:help_detail", help_request.pk)
