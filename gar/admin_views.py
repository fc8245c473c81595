"""« GAR » in Wagtail's admin: académie staff activate the GAR per school; a school's
director of publication (and académie staff) see and change its assignment managers.

Thin views: every change is a `gar.services` call, which checks its actor again
whatever the page showed. Registered by gar/wagtail_hooks.py (Wagtail wraps them with
its admin-access check and never_cache)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from gar import services
from gar.models import AssignmentManager, TeachingGroup
from gar.selectors import assignment_managers, managed_schools, may_manage_gar, school_pupils, school_staff
from profiles.models import User
from profiles.selectors import is_academie_staff

NOT_ALLOWED = ("La page GAR est réservée aux directeurs et directrices de publication des écoles et aux "
               "services de l'académie.")
PER_PAGE = 50


def _require(request):
    if not may_manage_gar(request.user):
        raise PermissionDenied(NOT_ALLOWED)


def _int(value) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return None


def index(request):
    """The schools she may see: for académie staff every open school (search, filter,
    pages of 50), with its GAR state and the button that changes it."""
    _require(request)
    academie = is_academie_staff(request.user)
    schools = managed_schools(request.user).select_related("gar").order_by("name", "uai")
    query = (request.GET.get("q") or "").strip()[:100]
    if query:
        schools = schools.filter(Q(name__icontains=query) | Q(uai__iexact=query) | Q(city__icontains=query))
    state = request.GET.get("etat")
    if state == "actif":
        schools = schools.filter(gar__active=True)
    elif state == "inactif":
        schools = schools.exclude(gar__active=True)
    page = Paginator(schools.only("pk", "uai", "name", "city", "gar__active", "gar__changed_at"),
                     PER_PAGE).get_page(request.GET.get("p"))
    return render(request, "gar/admin/index.html", {
        "page": page, "academie": academie, "query": query, "state": state,
        "active_count": managed_schools(request.user).filter(gar__active=True).count() if academie else None,
        "header_title": "GAR", "page_title": "GAR — ressources numériques", "header_icon": "link",
    })


def school(request, school_id):
    _require(request)
    school = get_object_or_404(managed_schools(request.user).select_related("gar"), pk=school_id)
    managers = assignment_managers([school])
    named_ids = {m.user.pk for m in managers if m.named}
    candidates = (User.objects.filter(pk__in=school_staff(school).values("user_id"))
                  .exclude(pk__in=named_ids).order_by("last_name", "first_name", "pk"))
    groups = (TeachingGroup.objects.filter(school=school, school_year=settings.SCHOOL_YEAR)
              .annotate(pupil_count=Count("pupils", distinct=True),
                        teacher_count=Count("teachers", distinct=True)).order_by("name"))
    return render(request, "gar/admin/school.html", {
        "school": school, "active": bool(getattr(school, "gar", None) and school.gar.active),
        "managers": managers, "groups": groups,
        "candidates": candidates, "academie": is_academie_staff(request.user),
        "header_title": f"GAR — {school.name}", "page_title": f"GAR — {school.name}",
        "header_icon": "link",
    })


def _back(request, school_id=None):
    target = request.POST.get("next")
    if target == "index":
        return redirect(reverse("gar_admin:index"))
    return redirect(reverse("gar_admin:school", args=[school_id]))


def _done(request, call, success):
    try:
        call()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True


@require_POST
def activation(request, school_id):
    _require(request)
    school = get_object_or_404(managed_schools(request.user), pk=school_id)
    active = request.POST.get("active") == "1"
    action = services.gar_activate if active else services.gar_deactivate
    _done(request, lambda: action(school=school, by=request.user),
          f"GAR {'activé' if active else 'désactivé'} pour « {school.name} ».")
    return _back(request, school.pk)


@require_POST
def manager_add(request, school_id):
    _require(request)
    school = get_object_or_404(managed_schools(request.user), pk=school_id)
    user_id = _int(request.POST.get("user"))
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        messages.error(request, "Choisissez la personne à désigner.")
        return _back(request, school.pk)
    _done(request, lambda: services.manager_name(school=school, user=user, by=request.user),
          f"{user.get_full_name()} est désormais responsable d'affectation de « {school.name} ».")
    return _back(request, school.pk)


@require_POST
def manager_remove(request, manager_id):
    _require(request)
    manager = get_object_or_404(
        AssignmentManager.objects.select_related("school", "user"),
        pk=manager_id, school__in=managed_schools(request.user))
    _done(request, lambda: services.manager_remove(manager=manager, by=request.user),
          f"{manager.user.get_full_name()} n'est plus responsable d'affectation "
          f"de « {manager.school.name} ».")
    return _back(request, manager.school_id)


def group_form(request, school_id, group_id=None):
    """Create or change a group: its name, its pupils (ticked, class by class) and its
    teachers. The service checks everything again."""
    _require(request)
    school = get_object_or_404(managed_schools(request.user), pk=school_id)
    group = None
    if group_id is not None:
        group = get_object_or_404(TeachingGroup, pk=group_id, school=school, school_year=settings.SCHOOL_YEAR)
    pupils = (school_pupils(school).select_related("user", "school_class")
              .order_by("school_class__name", "user__last_name", "user__first_name", "user_id"))
    teachers = (User.objects.filter(pk__in=school_staff(school).values("user_id"))
                .order_by("last_name", "first_name", "pk"))
    chosen_pupils = set(group.pupils.values_list("pk", flat=True)) if group else set()
    chosen_teachers = set(group.teachers.values_list("pk", flat=True)) if group else set()
    name = group.name if group else ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        chosen_pupils = {i for i in map(_int, request.POST.getlist("pupils")) if i is not None}
        chosen_teachers = {i for i in map(_int, request.POST.getlist("teachers")) if i is not None}
        if _done(request, lambda: services.group_save(school=school, name=name, pupils=chosen_pupils,
                                                      teachers=chosen_teachers, by=request.user, group=group),
                 f"Groupe « {name.strip()} » enregistré."):
            return redirect(reverse("gar_admin:school", args=[school.pk]))
    by_class: dict[str, list] = {}
    for attachment in pupils:
        by_class.setdefault(attachment.school_class.name, []).append(attachment.user)
    title = f"Groupe « {group.name} »" if group else "Nouveau groupe"
    return render(request, "gar/admin/group_form.html", {
        "school": school, "group": group, "name": name, "by_class": by_class, "teachers": teachers,
        "chosen_pupils": chosen_pupils, "chosen_teachers": chosen_teachers,
        "header_title": f"GAR — {title}", "page_title": f"GAR — {title}", "header_icon": "group",
    })


@require_POST
def group_delete(request, group_id):
    _require(request)
    group = get_object_or_404(TeachingGroup.objects.select_related("school"), pk=group_id,
                              school__in=managed_schools(request.user))
    _done(request, lambda: services.group_delete(group=group, by=request.user),
          f"Groupe « {group.name} » supprimé.")
    return redirect(reverse("gar_admin:school", args=[group.school_id]))


urlpatterns = [
    path("", index, name="index"),
    path("ecoles/<int:school_id>/", school, name="school"),
    path("ecoles/<int:school_id>/activation/", activation, name="activation"),
    path("ecoles/<int:school_id>/responsables/", manager_add, name="manager_add"),
    path("responsables/<int:manager_id>/retirer/", manager_remove, name="manager_remove"),
    path("ecoles/<int:school_id>/groupes/nouveau/", group_form, name="group_add"),
    path("ecoles/<int:school_id>/groupes/<int:group_id>/", group_form, name="group_edit"),
    path("groupes/<int:group_id>/supprimer/", group_delete, name="group_delete"),
]
