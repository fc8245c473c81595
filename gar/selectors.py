"""Who and what the GAR export and its admin pages read (one definition each)."""

from typing import NamedTuple

from django.conf import settings
from django.db.models import Exists, OuterRef

from gar.models import AssignmentManager
from profiles.models import Attachment, School
from profiles.selectors import directed_school_ids, is_academie_staff

K = Attachment.Kind


def gar_schools(at=None):
    """THE definition of « the schools the GAR receives »: open, with the GAR activated."""
    return School.objects.open(at).filter(gar__active=True)


def managed_schools(user):
    """The schools whose assignment managers she may see and change: académie staff,
    every school; a director of publication, the schools she directs."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return School.objects.none()
    if is_academie_staff(user):
        return School.objects.open()
    return School.objects.open().filter(pk__in=directed_school_ids(user))


def may_manage_gar(user) -> bool:
    from profiles.selectors import directs_a_school

    return is_academie_staff(user) or directs_a_school(user)


def school_staff(school, at=None):
    """Her school's teachers and directors this year: who may be named (one attachment
    per person: a director is also a teacher)."""
    return (Attachment.objects.current(settings.SCHOOL_YEAR, at=at, kinds=[K.TEACHER, K.DIRECTOR])
            .filter(school=school))


class Manager(NamedTuple):
    school_id: int
    uai: str
    user: object
    record: AssignmentManager | None  # her naming; None: the school's director, by default

    @property
    def named(self) -> bool:
        return self.record is not None


def school_pupils(school, at=None):
    """Her school's pupils this year (current pupil attachments)."""
    return Attachment.objects.current(settings.SCHOOL_YEAR, at=at, kinds=[K.PUPIL]).filter(school=school)


def assignment_managers(schools, at=None) -> list[Manager]:
    """THE definition of a school's assignment managers (GARRespAff): the teachers and
    directors her director named who are still attached to the school; when there are
    none, the school's directors. Sorted by UAI then name; two queries for any number
    of schools (`schools`: a queryset or a list of schools or ids)."""
    staff = Attachment.objects.current(settings.SCHOOL_YEAR, at=at, kinds=[K.TEACHER, K.DIRECTOR])
    named: dict[int, list[Manager]] = {}
    for manager in (AssignmentManager.objects.filter(school__in=schools)
                    .filter(Exists(staff.filter(user_id=OuterRef("user_id"),
                                                school_id=OuterRef("school_id"))))
                    .select_related("user", "school")):
        named.setdefault(manager.school_id, []).append(
            Manager(manager.school_id, manager.school.uai, manager.user, manager))
    by_default: dict[int, dict[int, Manager]] = {}
    for attachment in (Attachment.objects.current(settings.SCHOOL_YEAR, at=at, kinds=[K.DIRECTOR])
                       .filter(school__in=schools).select_related("user", "school")):
        by_default.setdefault(attachment.school_id, {})[attachment.user_id] = Manager(
            attachment.school_id, attachment.school.uai, attachment.user, None)
    rows = [m for school_id in named.keys() | by_default.keys()
            for m in (named.get(school_id) or by_default[school_id].values())]
    rows.sort(key=lambda m: (m.uai, m.user.last_name, m.user.first_name, m.user.pk))
    return rows
