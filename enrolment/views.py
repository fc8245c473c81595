"""The collectivity's side of the enrolment, on the portal (`/inscription/…`):

- `/inscription/`: the collectivities she commits, each with its enrolment of the year
  (its state, its conventions) or the link to enrol;
- `/inscription/collectivite/<id>/`: the form (the schools of its charge, the amount
  computed as they are chosen);
- `/inscription/<id>/`: the enrolment — its state, its schools, every version of its
  convention — and, until it is signed, the list to change;
- `/inscription/<id>/convention/<doc>/`: a convention (PDF), to those who may read it.

What she may not read is 404, as what does not exist. Thin: reads from `selectors`,
changes through `services`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from wagtail.models import ModelLogEntry

from enrolment import selectors, services
from enrolment.documents import format_euros
from enrolment.forms import ChangeSchoolsForm, EnrolmentForm
from enrolment.models import AgreementDocument


def _apply_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def home(request):
    collectivities = list(selectors.committing_collectivities(request.user).order_by("name"))
    if not collectivities:
        from profiles.selectors import is_academie_staff

        if is_academie_staff(request.user):
            return redirect("enrolment_admin:index")
        raise Http404
    year = selectors.current_year()
    enrolments = {}
    if year is not None:
        for e in selectors.live_enrolments(year).filter(collectivity__in=collectivities):
            enrolments[e.collectivity_id] = e
    rows = [{"collectivity": c, "enrolment": enrolments.get(c.pk)} for c in collectivities]
    return render(request, "enrolment/home.html", {
        "year": year, "rows": rows, "campaign_open": selectors.campaign_open(year),
        "fee": format_euros(year.fee) if year else None,
    })


@login_required
def new(request, collectivity_id):
    collectivity = get_object_or_404(selectors.committing_collectivities(request.user),
                                     pk=collectivity_id)
    year = selectors.current_year()
    if not selectors.campaign_open(year):
        messages.error(request, services.NO_CAMPAIGN.format(year=year.school_year if year else "en cours"))
        return redirect("enrolment:home")
    existing = selectors.live_enrolments(year).filter(collectivity=collectivity).first()
    if existing is not None:
        return redirect("enrolment:detail", existing.pk)
    schools = selectors.choosable_schools(collectivity)
    taken = selectors.enrolled_school_ids(year)
    initial = {"legal_name": collectivity.name, "siret": collectivity.siret}
    form = EnrolmentForm(request.POST or None, initial=initial, collectivity=collectivity,
                         schools=schools, taken=taken)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_submit(
                by=request.user, collectivity=collectivity, data=request.POST,
                school_ids=[s.pk for s in form.cleaned_data["schools"]])
        except services.Refused as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Vos écoles sont inscrites. Téléchargez la convention "
                                      "pré-remplie, faites-la signer et retournez-la à l'académie.")
            return redirect("enrolment:detail", enrolment.pk)
    return render(request, "enrolment/form.html", {
        "form": form, "collectivity": collectivity, "year": year,
        "fee": format_euros(year.fee), "fee_cents": int(year.fee * 100),
        "taken": taken, "amount": _amount_of(form, year),
    })


def _amount_of(form, year):
    try:
        chosen = form["schools"].value() or []
    except KeyError:
        chosen = []
    return {"count": len(chosen), "total": format_euros(year.fee * len(chosen))}


@login_required
def detail(request, enrolment_id):
    enrolment = get_object_or_404(selectors.enrolments_readable_by(request.user), pk=enrolment_id)
    may_change = enrolment.editable and selectors.may_commit(request.user, enrolment.collectivity)
    current = selectors.enrolled_schools(enrolment)
    form = None
    if may_change:
        form = ChangeSchoolsForm(request.POST or None, schools=selectors.choosable_schools(
            enrolment.collectivity), initial={"schools": [s.pk for s in current]})
        if request.method == "POST" and form.is_valid():
            try:
                document = services.enrolment_change_schools(
                    by=request.user, enrolment=enrolment,
                    school_ids=[s.pk for s in form.cleaned_data["schools"]])
            except services.Refused as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"La liste est enregistrée : la convention n° {document.number} "
                                          "remplace la précédente.")
                return redirect("enrolment:detail", enrolment.pk)
    elif request.method == "POST":
        messages.error(request, "La liste des écoles ne change plus : la convention est signée.")
        return redirect("enrolment:detail", enrolment.pk)
    documents = list(enrolment.documents.order_by("-kind", "-number"))
    amount = format_euros(enrolment.year.fee * len(current))
    history = list(ModelLogEntry.objects.for_instance(enrolment).select_related("user")
                   .order_by("-timestamp"))
    return render(request, "enrolment/detail.html", {
        "enrolment": enrolment, "schools": current, "form": form, "documents": documents,
        "history": history, "amount": amount,
        "current_amount": {"count": len(current), "total": amount},
        "fee": format_euros(enrolment.year.fee), "fee_cents": int(enrolment.year.fee * 100),
        "taken": selectors.enrolled_school_ids(enrolment.year, except_enrolment=enrolment),
    })


def serve_document(document) -> FileResponse:
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=document.filename,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def download(request, enrolment_id, document_id):
    enrolment = get_object_or_404(selectors.enrolments_readable_by(request.user), pk=enrolment_id)
    document = get_object_or_404(AgreementDocument.objects.select_related("enrolment__year"),
                                 pk=document_id, enrolment=enrolment)
    return serve_document(document)
