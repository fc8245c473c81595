"""The académie's back office, in Wagtail's admin (« Inscriptions »): every enrolment of
a year with its state, totals by département and académie, the CSV for the finance
service, and each enrolment's page — its schools, its conventions, its history (audit
log), the next step of the state machine (with the signed PDF) and the cancellation.

Académie staff only (`is_academie_staff`): anybody else gets 404. Every change goes
through `enrolment.services`, which checks the actor again."""

import csv

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from wagtail.models import ModelLogEntry

from enrolment import selectors, services
from enrolment.documents import format_euros
from enrolment.models import NEXT_STATUS, AgreementDocument, Enrolment, EnrolmentYear, Status
from enrolment.views import serve_document
from profiles.models import Departement
from profiles.selectors import is_academie_staff


class AdvanceForm(forms.Form):
    to_status = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    signed_file = forms.FileField(label="Convention signée (PDF)", required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Motif de l'annulation (transmis à la collectivité)", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Indiquez le motif de l'annulation."})


def _require_staff(request):
    if not is_academie_staff(request.user):
        raise Http404


def _year(request):
    years = list(EnrolmentYear.objects.order_by("-school_year"))
    wanted = request.GET.get("annee")
    year = next((y for y in years if y.school_year == wanted), None)
    if year is None:
        year = selectors.current_year() or (years[0] if years else None)
    return year, years


def _filtered(request, year):
    qs = (Enrolment.objects.filter(year=year)
          .select_related("collectivity__departement__academie")
          .annotate(n_schools=Count("schools")))
    status = request.GET.get("etat")
    if status in Status.values:
        qs = qs.filter(status=status)
    departement = request.GET.get("departement")
    if departement and departement.isascii() and departement.isalnum():
        qs = qs.filter(collectivity__departement__code=departement)
    return qs.order_by("collectivity__departement__code", "collectivity__name"), status, departement


def totals(year):
    """Schools and amounts of the year's enrolments that are not cancelled, by
    département and by académie (two grouped queries)."""
    live = selectors.live_enrolments(year)
    by_dep = list(live.values("collectivity__departement__code", "collectivity__departement__name",
                              "collectivity__departement__academie__name")
                  .annotate(enrolments=Count("pk", distinct=True), schools=Count("schools"))
                  .order_by("collectivity__departement__code"))
    by_aca = list(live.values("collectivity__departement__academie__name")
                  .annotate(enrolments=Count("pk", distinct=True), schools=Count("schools"))
                  .order_by("collectivity__departement__academie__name"))
    for row in by_dep + by_aca:
        row["amount"] = format_euros(year.fee * row["schools"])
    all_schools = sum(r["schools"] for r in by_aca)
    return {"departements": by_dep, "academies": by_aca, "schools": all_schools,
            "enrolments": sum(r["enrolments"] for r in by_aca),
            "amount": format_euros(year.fee * all_schools)}


def index(request):
    _require_staff(request)
    year, years = _year(request)
    context = {"header_title": "Inscriptions des écoles", "page_title": "Inscriptions",
               "header_icon": "form", "years": years, "year": year, "statuses": Status.choices}
    if year is not None:
        enrolments, status, departement = _filtered(request, year)
        context.update({
            "enrolments": [{"e": e, "amount": format_euros(year.fee * e.n_schools)} for e in enrolments],
            "totals": totals(year), "status": status, "departement": departement,
            "departements": Departement.objects.order_by("code"),
            "fee": format_euros(year.fee),
        })
    return render(request, "enrolment/admin/index.html", context)


class _Echo:
    def write(self, value):
        return value


CSV_COLUMNS = ["annee_scolaire", "collectivite", "raison_sociale", "siret", "departement", "academie",
               "adresse", "representant", "qualite", "nombre_ecoles", "uai_ecoles",
               "participation_par_ecole", "montant_ttc", "etat", "inscrite_le", "mise_a_jour_le"]


def export_csv(request):
    """One row per enrolment of the year (cancelled ones included, with their state), for
    the finance service: amounts as decimals with a point, UTF-8 with BOM, « ; »."""
    _require_staff(request)
    year, _years = _year(request)
    if year is None:
        raise Http404
    enrolments, _s, _d = _filtered(request, year)
    uais = {}
    from enrolment.models import EnrolledSchool

    for enrolment_id, uai in EnrolledSchool.objects.filter(year=year).values_list(
            "enrolment_id", "school__uai").order_by("school__uai"):
        uais.setdefault(enrolment_id, []).append(uai)

    def rows():
        writer = csv.writer(_Echo(), delimiter=";")
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)
        for e in enrolments.iterator():
            c = e.collectivity
            yield writer.writerow([
                year.school_year, c.name, e.legal_name, e.siret, c.departement.code,
                c.departement.academie.name, e.address, e.representative, e.representative_capacity,
                e.n_schools, " ".join(uais.get(e.pk, [])), f"{year.fee:.2f}",
                f"{year.fee * e.n_schools:.2f}", e.get_status_display(),
                e.created_at.date().isoformat(), e.updated_at.date().isoformat()])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="inscriptions-ent-ecole-{year.school_year}.csv"'
    return response


def detail(request, enrolment_id):
    _require_staff(request)
    enrolment = get_object_or_404(Enrolment.objects.select_related(
        "year", "collectivity__departement__academie", "created_by"), pk=enrolment_id)
    schools = selectors.enrolled_schools(enrolment)
    next_status = NEXT_STATUS.get(enrolment.status)
    return render(request, "enrolment/admin/detail.html", {
        "enrolment": enrolment, "schools": schools,
        "amount": format_euros(enrolment.year.fee * len(schools)),
        "documents": enrolment.documents.order_by("-kind", "-number"),
        "history": ModelLogEntry.objects.for_instance(enrolment).select_related("user")
        .order_by("-timestamp"),
        "next_status": Status(next_status) if next_status else None,
        "needs_file": next_status == Status.SIGNED_COLLECTIVITY,
        "may_take_file": next_status == Status.SIGNED_RECTOR,
        "advance_form": AdvanceForm(initial={"to_status": next_status}),
        "cancel_form": CancelForm(),
        "cancellable": enrolment.status != Status.CANCELLED and enrolment.status != Status.PAID,
        "header_title": f"Inscription {enrolment.year.school_year} : {enrolment.collectivity.name}",
        "page_title": "Inscription", "header_icon": "form",
    })


@require_POST
def advance(request, enrolment_id):
    _require_staff(request)
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id)
    form = AdvanceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Étape inconnue.")
        return redirect("enrolment_admin:detail", enrolment.pk)
    try:
        services.enrolment_advance(by=request.user, enrolment=enrolment,
                                   to_status=form.cleaned_data["to_status"],
                                   signed_file=form.cleaned_data.get("signed_file"))
    except services.Refused as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        enrolment.refresh_from_db()
        messages.success(request, f"L'inscription de {enrolment.collectivity.name} est maintenant "
                                  f"« {enrolment.get_status_display().lower()} ».")
    return redirect("enrolment_admin:detail", enrolment.pk)


@require_POST
def cancel(request, enrolment_id):
    _require_staff(request)
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez le motif de l'annulation.")
        return redirect("enrolment_admin:detail", enrolment.pk)
    try:
        services.enrolment_cancel(by=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"])
    except services.Refused as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"L'inscription de {enrolment.collectivity.name} est annulée ; ses "
                                  "écoles ne sont plus inscrites.")
    return redirect("enrolment_admin:detail", enrolment.pk)


def download(request, enrolment_id, document_id):
    _require_staff(request)
    document = get_object_or_404(AgreementDocument.objects.select_related("enrolment__year"),
                                 pk=document_id, enrolment_id=enrolment_id)
    return serve_document(document)


def inactive(request):
    """The schools that are not active this year (nobody enrolled them)."""
    _require_staff(request)
    from profiles.models import School

    schools = (School.objects.open().filter(portal_active=False)
               .select_related("collectivity", "circonscription__departement")
               .order_by("circonscription__departement__code", "collectivity__name", "name"))
    return render(request, "enrolment/admin/inactive.html", {
        "schools": schools[:500], "count": schools.count(),
        "header_title": "Écoles non inscrites", "page_title": "Écoles non inscrites",
        "header_icon": "warning",
    })


urlpatterns = [
    path("", index, name="index"),
    path("export.csv", export_csv, name="export"),
    path("non-inscrites/", inactive, name="inactive"),
    path("<int:enrolment_id>/", detail, name="detail"),
    path("<int:enrolment_id>/etape/", advance, name="advance"),
    path("<int:enrolment_id>/annuler/", cancel, name="cancel"),
    path("<int:enrolment_id>/convention/<int:document_id>/", download, name="download"),
]
