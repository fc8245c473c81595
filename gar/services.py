"""Every change of the GAR interconnection goes through here, and each checks its actor
(as Wagtail's actions do): the admin views are thin, and no other door exists.

- `gar_activate` / `gar_deactivate`: académie staff only;
- `manager_name` / `manager_remove`: the school's director of publication, or académie
  staff; the person named must be a teacher or director of the school this year;
- `group_save` / `group_delete`: the same actors; a group's pupils are pupils of the
  school this year, its teachers its staff.

Each change is in Wagtail's audit log, on the school."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from gar.models import AssignmentManager, GarSchool, TeachingGroup
from gar.selectors import managed_schools, school_pupils, school_staff
from profiles.models import School, User
from profiles.selectors import is_academie_staff

ACTIVATION_REFUSAL = "Seuls les services de l'académie activent ou désactivent le GAR d'une école."
MANAGER_REFUSAL = ("Les responsables d'affectation d'une école sont désignés par son directeur ou sa "
                   "directrice de publication, ou par les services de l'académie.")


def _set_active(school: School, active: bool, by) -> GarSchool:
    if by is not None and not is_academie_staff(by):
        raise PermissionDenied(ACTIVATION_REFUSAL)
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        if active and not School.objects.open().filter(pk=school.pk).exists():
            raise ValidationError(f"« {school} » est fermée : le GAR ne peut pas y être activé.")
        state, _ = GarSchool.objects.get_or_create(school=school)
        if state.active == active:
            return state
        state.active, state.changed_at, state.changed_by = active, timezone.now(), by
        state.save()
        log(instance=school, action="gar.activate" if active else "gar.deactivate", user=by)
    return state


def gar_activate(*, school: School, by) -> GarSchool:
    return _set_active(school, True, by)


def gar_deactivate(*, school: School, by) -> GarSchool:
    return _set_active(school, False, by)


def _check_school_actor(by, school: School) -> None:
    if by is None:
        return
    if not managed_schools(by).filter(pk=school.pk).exists():
        raise PermissionDenied(MANAGER_REFUSAL)


def manager_name(*, school: School, user, by) -> AssignmentManager:
    """Name a teacher (or director) of the school its assignment manager."""
    _check_school_actor(by, school)
    with transaction.atomic():
        School.objects.select_for_update().get(pk=school.pk)
        if not school_staff(school).filter(user=user).exists():
            raise ValidationError(f"{user.get_full_name() or user} n'est pas enseignant(e) ni "
                                  f"directeur(rice) de « {school.name} » cette année.")
        if not user.email:
            raise ValidationError(f"{user.get_full_name() or user} n'a pas d'adresse électronique : le GAR "
                                  "en exige une pour chaque responsable d'affectation.")
        try:
            with transaction.atomic():
                manager = AssignmentManager.objects.create(school=school, user=user, named_by=by)
        except IntegrityError:
            raise ValidationError(f"{user.get_full_name() or user} est déjà responsable d'affectation "
                                  f"de « {school.name} ».") from None
        log(instance=school, action="gar.manager_name", user=by,
            data={"personne": user.get_full_name() or user.username, "user_id": user.pk})
    return manager


def _remove(school: School, rows, by, action: str, data: dict) -> None:
    """Delete `rows` (one naming or one group of `school`) under the school's lock; the
    audit entry only when something was deleted (a second click deletes nothing)."""
    _check_school_actor(by, school)
    with transaction.atomic():
        School.objects.select_for_update().get(pk=school.pk)
        deleted, _ = rows.delete()
        if deleted:
            log(instance=school, action=action, user=by, data=data)


def manager_remove(*, manager: AssignmentManager, by) -> None:
    user = manager.user
    _remove(manager.school, AssignmentManager.objects.filter(pk=manager.pk), by, "gar.manager_remove",
            {"personne": user.get_full_name() or user.username, "user_id": user.pk})


def group_save(*, school: School, name: str, pupils, teachers=(), by, group: TeachingGroup | None = None
               ) -> TeachingGroup:
    """Create (or, with `group`, change) a group of the school for this school year."""
    _check_school_actor(by, school)
    if group is not None and (group.school_id != school.pk or group.school_year != settings.SCHOOL_YEAR):
        raise ValidationError("Ce groupe n'appartient pas à cette école pour cette année.")
    name = (name or "").strip()
    if not name:
        raise ValidationError("Donnez un nom au groupe.")
    if len(name) > 100:
        raise ValidationError("Le nom du groupe fait au plus 100 caractères.")
    pupil_ids = {getattr(p, "pk", p) for p in pupils}
    teacher_ids = {getattr(t, "pk", t) for t in teachers}
    with transaction.atomic():
        School.objects.select_for_update().get(pk=school.pk)
        if not pupil_ids:
            raise ValidationError("Choisissez au moins un élève.")
        known = set(school_pupils(school).filter(user_id__in=pupil_ids).values_list("user_id", flat=True))
        if known != pupil_ids:
            raise ValidationError("Un groupe ne réunit que des élèves de l'école inscrits cette année.")
        staff = set(school_staff(school).filter(user_id__in=teacher_ids).values_list("user_id", flat=True))
        if staff != teacher_ids:
            raise ValidationError("Seuls les enseignants de l'école peuvent être rattachés à un de ses "
                                  "groupes.")
        if TeachingGroup.objects.filter(school=school, school_year=settings.SCHOOL_YEAR, name=name).exclude(
                pk=getattr(group, "pk", None)).exists():
            raise ValidationError(f"L'école a déjà un groupe « {name} » cette année.")
        if group is None:
            group = TeachingGroup.objects.create(school=school, school_year=settings.SCHOOL_YEAR, name=name,
                                                 created_by=by)
        else:
            group.name = name
            group.save(update_fields=["name"])
        group.pupils.set(User.objects.filter(pk__in=pupil_ids))
        group.teachers.set(User.objects.filter(pk__in=teacher_ids))
        log(instance=school, action="gar.group_save", user=by,
            data={"groupe": name, "élèves": len(pupil_ids), "enseignants": len(teacher_ids)})
    return group


def group_delete(*, group: TeachingGroup, by) -> None:
    _remove(group.school, TeachingGroup.objects.filter(pk=group.pk), by, "gar.group_delete",
            {"groupe": group.name})
