"""« Codes d'activation » in Wagtail's admin: a director of publication lists the
classes of the schools she directs (académie staff: of any school) and prints, for
one class, a slip per pupil and per legal guardian whose account is not active yet.

Thin views: who may print whose codes is `profiles.activation.codes_issue`'s rule,
checked again there whatever the page showed. Registered by profiles/wagtail_hooks.py
(Wagtail wraps them with its admin-access check and never_cache)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from profiles import activation
from profiles.models import SchoolClass
from profiles.selectors import is_academie_staff

NOT_ALLOWED = (
    "Les codes d'activation sont imprimés par le directeur ou la directrice de publication "
    "de l'école, ou par les services de l'académie."
)


def _require_issuer(request) -> None:
    if not activation.may_issue_codes(request.user):
        raise PermissionDenied(NOT_ALLOWED)


def _school_id(value) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return None


def index(request):
    """The classes of this school year, each with its « print the codes » button."""
    _require_issuer(request)
    user = request.user
    schools = activation.issuable_schools(user).order_by("name")
    academie = is_academie_staff(user)
    selected = None
    if request.GET.get("school"):
        school_id = _school_id(request.GET["school"])
        selected = schools.filter(pk=school_id).first() if school_id is not None else None
        if selected is None:
            raise Http404
    if selected is not None:
        shown = [selected.pk]
    elif academie:
        shown = None  # every school of the académie: she chooses one first
    else:
        shown = schools.values("pk")
    choices = list(schools.only("pk", "name", "city"))
    return render(request, "profiles/admin/activation_codes.html", {
        "classes": list(activation.classes_for(shown)) if shown is not None else [],
        "schools": choices,
        "show_select": academie or len(choices) > 1,
        "must_choose": shown is None,
        "selected": selected,
        "school_year": settings.SCHOOL_YEAR,
        "days": settings.ACTIVATION_CODE_DAYS,
        "header_title": "Codes d'activation", "page_title": "Codes d'activation",
        "header_icon": "key",
    })


@require_POST
def print_class(request, class_id):
    """Issue new codes for the class's pupils and their guardians who have not activated
    their account, and show them as slips to print (the only time they are shown)."""
    _require_issuer(request)
    school_class = get_object_or_404(
        SchoolClass.objects.select_related("school"), pk=class_id,
        school_year=settings.SCHOOL_YEAR, school__in=activation.issuable_schools(request.user),
    )
    pupils, guardians = activation.class_people(school_class)
    users = [p.user_id for p in pupils] + [
        g.user_id for attachments in guardians.values() for g in attachments
    ]
    issued = activation.codes_issue(users=users, by=request.user, school_class=school_class)
    return render(request, "profiles/admin/activation_slips.html", {
        "school_class": school_class,
        "school": school_class.school,
        "slips": activation.class_slips(pupils, guardians, issued),
        "issued": issued,
        "activation_url": request.build_absolute_uri(reverse("account_activate")),
        "back_url": f"{reverse('profiles_activation:index')}?school={school_class.school_id}",
    })


urlpatterns = [
    path("", index, name="index"),
    path("classes/<int:class_id>/imprimer/", print_class, name="print_class"),
]
