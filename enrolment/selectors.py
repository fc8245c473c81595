"""Who may do what with enrolments, and which schools are active — one definition each.

- `committing_collectivities(user)`: the collectivities she may commit (enrol their
  schools): she holds, now, the role of référent ville or of « habilité à inscrire les
  écoles » on it (`RoleGrant.objects.current()`);
- `choosable_schools(collectivity)`: the open schools in its charge, and, for a commune
  member of a regroupement, the regroupement's (each commune of an RPI that pays its own
  share enrols its schools and gets its own convention);
- `enrolments_readable_by(user)`: académie staff read every enrolment, a collectivity's
  committing people read theirs;
- `active_school_ids(at)`: THE definition of « the school is active in the portal » —
  see its docstring; `School.portal_active` is its stored answer."""

from django.conf import settings
from django.db.models import Q

from enrolment.models import Enrolment, EnrolmentYear, Status
from profiles.models import Collectivity, Role, RoleGrant, School
from profiles.selectors import is_academie_staff

COMMITTING_ROLES = (Role.REFERENT_VILLE, Role.SIGNATORY)


def current_year(school_year: str | None = None) -> EnrolmentYear | None:
    """The campaign of this school year (`SCHOOL_YEAR`), or None when there is none."""
    return EnrolmentYear.objects.select_related("template").filter(
        school_year=school_year or settings.SCHOOL_YEAR).first()


def campaign_open(year, at=None) -> bool:
    """The form takes enrolments from the opening day to the end of the agreement."""
    from django.utils import timezone

    today = timezone.localtime(at or timezone.now()).date()
    return year is not None and year.opens_on <= today <= year.agreement_ends_on


def live_enrolments(year):
    """The year's enrolments that are not cancelled (at most one per collectivity)."""
    return Enrolment.objects.filter(year=year).exclude(status=Status.CANCELLED)


def enrolled_schools(enrolment) -> list:
    """Its schools, in the order the convention lists them."""
    return sorted((es.school for es in enrolment.schools.select_related("school")),
                  key=lambda s: (s.city, s.name, s.uai))


def committing_collectivities(user, at=None):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Collectivity.objects.none()
    ids = RoleGrant.objects.current(at).filter(user=user, role__in=COMMITTING_ROLES).values(
        "collectivity_id")
    return Collectivity.objects.open(at).filter(pk__in=ids)


def may_commit(user, collectivity, at=None) -> bool:
    return committing_collectivities(user, at).filter(pk=collectivity.pk).exists()


def committing_people(collectivity, at=None):
    """The same rule from the collectivity's side: who commits it now."""
    from profiles.models import User

    ids = RoleGrant.objects.current(at).filter(collectivity=collectivity,
                                               role__in=COMMITTING_ROLES).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True)


def choosable_schools(collectivity, at=None):
    in_charge = Q(collectivity=collectivity)
    if collectivity.grouping_id is not None:
        in_charge |= Q(collectivity_id=collectivity.grouping_id)
    return School.objects.open(at).filter(in_charge).order_by("city", "name", "uai")


def enrolments_readable_by(user):
    qs = Enrolment.objects.select_related("year", "collectivity__departement__academie")
    if is_academie_staff(user):
        return qs
    return qs.filter(collectivity__in=committing_collectivities(user))


def enrolled_school_ids(year, *, except_enrolment=None) -> set[int]:
    """The schools enrolled for the year (by another enrolment than `except_enrolment`).
    A cancelled enrolment holds no school: cancelling deletes its rows (the documents keep
    the list), so these rows are the whole answer."""
    from enrolment.models import EnrolledSchool

    if year is None:
        return set()
    qs = EnrolledSchool.objects.filter(year=year)
    if except_enrolment is not None:
        qs = qs.exclude(enrolment=except_enrolment)
    return set(qs.values_list("school_id", flat=True))


def previous_school_year(school_year: str) -> str:
    start = int(school_year.split("-")[0])
    return f"{start - 1}-{start}"


def active_school_ids(at=None) -> set[int] | None:
    """THE definition of « the school is active in the portal » at `at`, for the school
    year in course (`SCHOOL_YEAR`). None means every school (no rule applies):

    - no campaign this year: enrolment is not required, every school is active;
    - a school its collectivity enrolled this year (an enrolment not cancelled, from the
      moment it is requested: the online form is the collectivity's commitment, the
      paperwork follows) is active;
    - until the campaign's `enforced_from` day, a school active last year stays active
      (the rollover does not switch every school off on 1 September): enrolled last
      year, or every school when last year had no campaign;
    - otherwise it is not: its space is read by académie staff only."""
    from django.utils import timezone

    at = at or timezone.now()
    year = current_year()
    if year is None:
        return None
    active = enrolled_school_ids(year)
    if timezone.localtime(at).date() < year.enforced_from:
        previous = current_year(previous_school_year(year.school_year))
        if previous is None:
            return None
        active |= enrolled_school_ids(previous)
    return active


def school_is_active(school, at=None) -> bool:
    ids = active_school_ids(at)
    return ids is None or school.pk in ids



def inactive_schools_of(user):
    """Her schools (`user_school_ids`, and those she directs) that are not active."""
    from profiles.selectors import directed_school_ids, user_school_ids

    ids = user_school_ids(user)
    return School.objects.filter(Q(pk__in=ids) | Q(pk__in=directed_school_ids(user)),
                                 portal_active=False).select_related("collectivity").order_by("name")
