"""The handlers' side, in Wagtail's admin: « Signalements » (the cases of the
publications she answers for, each with the reports — who, why, what they saw — and the
two decisions) and « Demandes d'aide » (the requests she answers, their thread).

Thin views: every list is a selector, every change a service (which checks the actor
again, whatever the view showed); what she does not handle is 404."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from wagtail.admin.ui.components import Component
from wagtail.models import ModelLogEntry, PageLogEntry

from assistance import selectors, services
from assistance.models import ANSWER_MAX_LENGTH, HELP_TEXT_MAX_LENGTH, HelpRequest, ReportCase

PER_PAGE = 25


# --- The dashboard panel --------------------------------------------------------------------


class AssistancePanel(Component):
    name = "assistance"
    template_name = "assistance/admin/panel.html"
    order = 60

    def __init__(self, *, reports: int | None, help_requests: int | None):
        self.reports, self.help_requests = reports, help_requests

    def get_context_data(self, parent_context=None):
        return {"reports": self.reports, "help_requests": self.help_requests,
                "cases_url": reverse("assistance_admin:cases"),
                "help_url": reverse("assistance_admin:help_list")}


# --- Forms ----------------------------------------------------------------------------------


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        label="Motif du retrait (transmis à l'auteur)", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez le motif du retrait : il est transmis à l'auteur."})
    answer = forms.CharField(
        label="Message aux personnes qui ont signalé (facultatif)", required=False,
        max_length=ANSWER_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Elles sont informées du retrait ; le motif donné à l'auteur ne leur est pas transmis.")


class CloseForm(forms.Form):
    answer = forms.CharField(
        label="Réponse aux personnes qui ont signalé", max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Écrivez la réponse transmise aux personnes qui ont signalé."})


class AnswerForm(forms.Form):
    text = forms.CharField(label="Votre réponse", max_length=HELP_TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": "Écrivez votre réponse."})
    close = forms.BooleanField(label="Clore la demande avec cette réponse", required=False)


# --- Reports --------------------------------------------------------------------------------


def _require(allowed: bool):
    if not allowed:
        raise Http404


def cases(request):
    _require(selectors.may_handle_reports(request.user))
    handled = selectors.case_list(request.user)
    paginator = Paginator(handled.filter(status=ReportCase.Status.OPEN).order_by(
        "-last_report_at", "-pk"), PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    closed = handled.exclude(status=ReportCase.Status.OPEN).order_by("-closed_at", "-pk")[:20]
    return render(request, "assistance/admin/cases.html", {
        "page_obj": page, "cases": selectors.attach_spaces(page.object_list),
        "count": paginator.count, "closed": selectors.attach_spaces(closed),
        "header_title": "Signalements", "page_title": "Signalements", "header_icon": "warning",
    })


def _reported_versions(case, reports):
    """What the reporters saw: each distinct revision (page) or version (message), in
    the order reported."""
    seen, versions = set(), []
    for report in reports:
        if case.page_id and report.revision_id and report.revision_id not in seen:
            seen.add(report.revision_id)
            versions.append({"revision": report.revision, "page": report.revision.as_object(),
                             "at": report.created_at})
        elif case.message_id and report.message_version_id and report.message_version_id not in seen:
            seen.add(report.message_version_id)
            versions.append({"version": report.message_version, "at": report.created_at})
    return versions


def case_history(case) -> list:
    entries = list(ModelLogEntry.objects.for_instance(case).select_related("user"))
    if case.page_id:
        entries += list(PageLogEntry.objects.filter(
            page_id=case.page_id, timestamp__gte=case.opened_at).select_related("user"))
    if case.message_id:
        entries += list(ModelLogEntry.objects.for_instance(case.message).filter(
            timestamp__gte=case.opened_at).select_related("user"))
    return sorted(entries, key=lambda e: (e.timestamp, e.pk))


def case_detail(request, case_id):
    _require(selectors.may_handle_reports(request.user))
    case = get_object_or_404(selectors.cases_handled_by(request.user).select_related(
        "page", "message__school", "message__association", "closed_by"), pk=case_id)
    forms_ = {"unpublish_form": UnpublishForm(), "close_form": CloseForm()}
    if request.method == "POST":
        action = request.POST.get("action")
        form = (UnpublishForm if action == "unpublish" else CloseForm)(request.POST)
        forms_[f"{'unpublish' if action == 'unpublish' else 'close'}_form"] = form
        if action not in ("unpublish", "close"):
            messages.error(request, "Action inconnue.")
            return redirect("assistance_admin:case", case.pk)
        if form.is_valid():
            try:
                if action == "unpublish":
                    services.case_unpublish(by=request.user, case=case, **form.cleaned_data)
                    messages.success(request, f"« {case.title} » est retiré ; l'auteur a reçu le "
                                              "motif, les personnes qui l'ont signalé sont informées.")
                else:
                    services.case_close(by=request.user, case=case, **form.cleaned_data)
                    messages.success(request, f"Le signalement de « {case.title} » est clos ; les "
                                              "personnes qui l'ont signalé ont reçu votre réponse.")
                return redirect("assistance_admin:cases")
            except (services.Refused, PermissionDenied) as exc:
                messages.error(request, str(exc))
                return redirect("assistance_admin:case", case.pk)
            except ValidationError as exc:
                for error in exc.messages:
                    form.add_error(None, error)
    reports = list(case.reports.select_related("reporter", "revision", "message_version"))
    live_page = case.page.specific if case.page_id and case.page.live else None
    return render(request, "assistance/admin/case.html", {
        "case": case, "reports": reports, "versions": _reported_versions(case, reports),
        "live_page": live_page, "history": case_history(case),
        "header_title": f"Signalement : {case.title}", "page_title": "Signalement",
        "header_icon": "warning", **forms_,
    })


# --- Help requests --------------------------------------------------------------------------


def help_list(request):
    _require(selectors.may_answer_help(request.user))
    handled = selectors.help_list(request.user)
    paginator = Paginator(handled.filter(status=HelpRequest.Status.OPEN), PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    recent = handled.exclude(status=HelpRequest.Status.OPEN)[:20]
    return render(request, "assistance/admin/help_list.html", {
        "page_obj": page, "count": paginator.count, "recent": recent,
        "header_title": "Demandes d'aide", "page_title": "Demandes d'aide", "header_icon": "help",
    })


def help_detail(request, request_id):
    _require(selectors.may_answer_help(request.user))
    help_request = get_object_or_404(selectors.help_requests_handled_by(request.user)
                                     .select_related("requester", "school", "academie"),
                                     pk=request_id)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.help_answer(by=request.user, help_request=help_request, **form.cleaned_data)
        except services.Refused as exc:
            messages.error(request, exc.message)
            return redirect("assistance_admin:help", help_request.pk)
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
        else:
            messages.success(request, "Votre réponse est envoyée au demandeur.")
            return redirect("assistance_admin:help_list")
    label, _handlers = selectors.help_route(help_request)
    return render(request, "assistance/admin/help.html", {
        "help_request": help_request, "form": form, "routed_to": label,
        "thread": help_request.thread.select_related("author"),
        "header_title": f"Demande d'aide : {help_request.get_category_display()}",
        "page_title": "Demande d'aide", "header_icon": "help",
    })


@require_POST
def help_close(request, request_id):
    _require(selectors.may_answer_help(request.user))
    help_request = get_object_or_404(selectors.help_requests_handled_by(request.user), pk=request_id)
    try:
        services.help_close(by=request.user, help_request=help_request)
    except services.Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "La demande est close.")
    return redirect("assistance_admin:help_list")


urlpatterns = [
    path("signalements/", cases, name="cases"),
    path("signalements/<int:case_id>/", case_detail, name="case"),
    path("aide/", help_list, name="help_list"),
    path("aide/<int:request_id>/", help_detail, name="help"),
    path("aide/<int:request_id>/clore/", help_close, name="help_close"),
]
