"""Views of the charter, of « Mes données » and of the account activation. Thin: the
rules are in `profiles.services`, `profiles.selectors` and `profiles.activation`."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from portal import ratelimit
from portal.security import client_ip
from profiles import activation, selectors, services
from profiles.forms import ActivationForm, DataRequestForm
from profiles.models import Charter, School
from profiles.personal_data import registry


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or target.startswith(reverse("charter")):
        return "/"
    return target


UNKNOWN_CHARTER_MESSAGE = (
    "La version de la charte que vous avez acceptée n'a pas été reconnue : "
    "relisez la charte ci-dessous et acceptez-la à nouveau."
)


def _posted_charter(value) -> Charter | None:
    """The charter named by the form, or None for anything that is not the id of
    one (« abc », « 1.5 », a number too large for the database…)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    return Charter.objects.filter(pk=int(value)).first()


def charter(request):
    """Read the charter; a logged-in user who has not accepted it accepts or declines here."""
    current = selectors.charter_current()
    user = request.user
    next_url = _next_url(request)
    if request.method == "POST" and user.is_authenticated and current is not None:
        if request.POST.get("action") == "decline":
            contacts = services.charter_decline(user=user, charter=current)
            logout(request)
            return render(request, "profiles/charter_declined.html",
                          {"contacts": contacts, "charter": current})
        posted = _posted_charter(request.POST.get("charter"))
        try:
            if posted is None:
                raise ValidationError(UNKNOWN_CHARTER_MESSAGE)
            services.charter_accept(user=user, charter=posted)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(f"{reverse('charter')}?{urlencode({'next': next_url})}")
        return redirect(next_url)
    pupil = user.is_authenticated and selectors.is_pupil_reader(user)
    needs_acceptance = (
        user.is_authenticated and current is not None and selectors.charter_needs_acceptance(user)
    )
    return render(request, "profiles/charter.html", {
        "charter": current,
        "text": current.text_for(pupil=pupil) if current else "",
        "pupil": pupil,
        "needs_acceptance": needs_acceptance,
        "next": next_url,
    })


def _add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's French ValidationError on the form, field by field when it can."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc.messages)


@login_required
def my_data(request):
    """What the portal holds about her, and her requests on it."""
    user = request.user
    schools = School.objects.filter(pk__in=selectors.user_school_ids(user)).order_by("name")
    form = DataRequestForm(schools=schools)
    if request.method == "POST":
        form = DataRequestForm(request.POST, schools=schools)
        if form.is_valid():
            try:
                services.data_request_submit(user=user, **form.cleaned_data)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request, "Votre demande est enregistrée. Vous suivrez sa réponse sur cette page."
                )
                return redirect("my_data")
    return render(request, "profiles/my_data.html", {
        "sections": registry.display(registry.export(user)),
        "requests": selectors.data_requests_of(user),
        "form": form,
    })


@login_required
def my_data_export(request):
    data = registry.export(request.user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"mes-donnees-ent-ecole-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


ACTIVATION_THROTTLED = (
    "Trop d'essais d'activation depuis ce poste en peu de temps : votre code n'a pas été "
    "vérifié. Réessayez dans une heure, ou adressez-vous à l'école."
)


@sensitive_post_parameters("code", "password", "password2")
@never_cache
def activate(request):
    """/activer/: she types the code the school gave her and chooses her password; the
    page then tells her the login to use. Reachable anonymously and before the charter
    (accepted at her first login). Every attempt counts towards the limit per address
    (`RATE_LIMITS["activation_ip"]`); past it, the code is not even looked at."""
    form = ActivationForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.hit("activation_ip", client_ip(request)):
            form.add_error(None, ACTIVATION_THROTTLED)
            return render(request, "profiles/activate.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                user = activation.activate(**form.cleaned_data)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                # Her new password lifts any login throttling of her username (as a reset does).
                from axes.utils import reset

                reset(username=user.get_username())
                return render(request, "profiles/activate_done.html", {"username": user.get_username()})
    return render(request, "profiles/activate.html", {"form": form})
