"""Read helpers of the directory (no writes here)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from profiles.models import (
    Attachment,
    Charter,
    CharterAcceptance,
    DataRequest,
    NationalProfile,
    Role,
    RoleGrant,
    School,
    User,
    current_school_year,
)


@dataclass
class ChildSummary:
    pupil: User
    school_class: object | None
    school: object | None


@dataclass
class UserOverview:
    user: User
    profiles: list[str]
    children: list[ChildSummary] = field(default_factory=list)
    schools: list = field(default_factory=list)
    classes: list = field(default_factory=list)
    collectivities: list = field(default_factory=list)
    roles: list[RoleGrant] = field(default_factory=list)
    functions: list[Attachment] = field(default_factory=list)
    can_access_admin: bool = False


def user_overview(user: User) -> UserOverview:
    """Who she is and what she is attached to this school year, in a constant
    number of queries (five, whatever the number of children or schools)."""
    year = current_school_year()
    overview = UserOverview(
        user=user,
        profiles=[p.get_profile_display() for p in user.ent_profiles.all()],
    )
    attachments = list(
        Attachment.objects.current(year).filter(user=user).select_related(
            "school__collectivity", "school_class", "collectivity", "pupil"
        )
    )
    pupil_ids = [a.pupil_id for a in attachments if a.kind == Attachment.Kind.GUARDIAN]
    enrolments = {
        a.user_id: a
        for a in Attachment.objects.current(year).filter(
            kind=Attachment.Kind.PUPIL, user_id__in=pupil_ids
        ).select_related("school_class", "school__collectivity")
    }
    schools, collectivities = {}, {}
    for attachment in attachments:
        if attachment.kind == Attachment.Kind.GUARDIAN:
            enrolment = enrolments.get(attachment.pupil_id)
            overview.children.append(
                ChildSummary(
                    pupil=attachment.pupil,
                    school_class=enrolment.school_class if enrolment else None,
                    school=enrolment.school if enrolment else None,
                )
            )
            if enrolment:
                collectivities.setdefault(enrolment.school.collectivity_id, enrolment.school.collectivity)
        elif attachment.kind == Attachment.Kind.COLLECTIVITY_STAFF:
            collectivities.setdefault(attachment.collectivity_id, attachment.collectivity)
        else:
            schools.setdefault(attachment.school_id, attachment.school)
            collectivities.setdefault(attachment.school.collectivity_id, attachment.school.collectivity)
            if attachment.school_class_id:
                overview.classes.append(attachment.school_class)
            if attachment.kind in (Attachment.Kind.DIRECTOR, Attachment.Kind.PARENT_ELU):
                overview.functions.append(attachment)
    overview.children.sort(key=lambda c: c.pupil.first_name)
    overview.schools = sorted(schools.values(), key=lambda s: s.name)
    overview.collectivities = sorted(collectivities.values(), key=lambda c: c.name)
    overview.roles = list(
        RoleGrant.objects.current().filter(user=user).select_related("school", "collectivity")
    )
    overview.can_access_admin = user.has_perm("wagtailadmin.access_admin")
    return overview


# --- The charter ---------------------------------------------------------------
#
# The gate asks one question per request: "has this user accepted a version at
# least as recent as the one everybody must have accepted?". Both numbers live in
# the cache and are read with one `get_many` (one round trip):
#   - CHARTER_STATE_KEY: the required version (0 = no charter, everybody passes),
#     invalidated when a charter is saved or deleted, and expiring when a
#     published version's effective date arrives;
#   - charter-ok:<user id>: the highest version she has accepted, set when she
#     accepts (`services.charter_accept`).

CHARTER_STATE_KEY = "charter:required-version"
CHARTER_STATE_TIMEOUT = 300  # seconds; a safety net, invalidation does the real work
CHARTER_USER_TIMEOUT = 24 * 3600


def charter_user_key(user_id: int) -> str:
    return f"charter-ok:{user_id}"


def charter_current(at=None) -> Charter | None:
    """The charter in force: the highest published version whose date has passed."""
    return Charter.objects.effective(at).order_by("-version").first()


def _charter_state(at) -> tuple[int, object]:
    """(required version, effective date of the next published version) in one query."""
    in_force = Q(live=True, effective_at__lte=at)
    agg = Charter.objects.aggregate(
        substantial=Max("version", filter=in_force & Q(requires_reacceptance=True)),
        first=Min("version", filter=in_force),
        upcoming=Min("effective_at", filter=Q(live=True, effective_at__gt=at)),
    )
    return agg["substantial"] or agg["first"] or 0, agg["upcoming"]


def charter_required_version(at=None) -> int:
    """The version everybody must have accepted (or a later one): the latest
    substantial version in force; if every version in force is minor, the first
    one. 0 when no charter is in force."""
    return _charter_state(at or timezone.now())[0]


def charter_required_version_cached() -> int:
    """Cached until a charter is saved or deleted, or the next version comes into force."""
    required = cache.get(CHARTER_STATE_KEY)
    if required is None:
        now = timezone.now()
        required, upcoming = _charter_state(now)
        timeout = CHARTER_STATE_TIMEOUT
        if upcoming is not None:
            timeout = max(1, min(timeout, int((upcoming - now).total_seconds()) + 1))
        cache.set(CHARTER_STATE_KEY, required, timeout)
    return required


def charter_accepted_version(user: User) -> int:
    """The highest charter version she has accepted (0 if none)."""
    return (
        CharterAcceptance.objects.filter(user=user).aggregate(v=Max("charter__version"))["v"] or 0
    )


def charter_gate_passes(user: User) -> bool:
    """True when she may use the portal. One cache round trip when warm."""
    user_key = charter_user_key(user.pk)
    found = cache.get_many([CHARTER_STATE_KEY, user_key])
    required = found.get(CHARTER_STATE_KEY)
    if required is None:
        required = charter_required_version_cached()
    if required == 0:
        return True
    accepted = found.get(user_key)
    if accepted is None or accepted < required:
        # Cold cache, or a new version since she last accepted: ask the database.
        accepted = charter_accepted_version(user)
        cache.set(user_key, accepted, CHARTER_USER_TIMEOUT)
    return accepted >= required


def charter_needs_acceptance(user: User) -> bool:
    """Uncached: does she have to accept the charter before going on?"""
    required = charter_required_version()
    return required > 0 and charter_accepted_version(user) < required


def is_pupil_reader(user: User) -> bool:
    """A pupil with no adult profile reads the version of the charter written for pupils."""
    profiles = {p.profile for p in user.ent_profiles.all()}
    return NationalProfile.PUPIL in profiles and profiles == {NationalProfile.PUPIL}


def user_school_ids(user: User, school_year: str | None = None) -> set[int]:
    """THE definition of "her schools": the open schools she is attached to this
    year (`Attachment.objects.current()`), directly or through her children."""
    year = school_year or current_school_year()
    children = Attachment.objects.current(year).filter(
        user=user, kind=Attachment.Kind.GUARDIAN
    ).values("pupil_id")
    return set(
        Attachment.objects.current(year).filter(school__isnull=False)
        .filter(Q(user=user) | Q(kind=Attachment.Kind.PUPIL, user_id__in=children))
        .values_list("school_id", flat=True)
    )


def directed_school_ids(user: User, at=None):
    """THE definition of "the schools she directs": those where she holds the role of
    director of publication at `at` (a subquery of school ids)."""
    return RoleGrant.objects.current(at).filter(
        user=user, role=Role.DIRECTOR_OF_PUBLICATION
    ).values("school_id")


def directs_a_school(user: User) -> bool:
    """She is director of publication in office somewhere (memoised on the user for the
    request: the admin menu asks for several of its items)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not hasattr(user, "_directs_a_school"):
        user._directs_a_school = directed_school_ids(user).exists()
    return user._directs_a_school


def user_schools(user: User) -> list[School]:
    return list(School.objects.filter(pk__in=user_school_ids(user)).order_by("name"))


def school_directors(school_ids) -> list[RoleGrant]:
    """Current directors of publication of these schools."""
    return list(
        RoleGrant.objects.current()
        .filter(role=Role.DIRECTOR_OF_PUBLICATION, school_id__in=list(school_ids))
        .select_related("user", "school")
        .order_by("school__name")
    )


# --- Personal-data requests ------------------------------------------------------


# THE definition of académie staff: superusers, and holders of the académie profile
# (who are, exactly, the members of the derived académie group: pages.rights).
ACADEMIE_STAFF = Q(is_superuser=True) | Q(ent_profiles__profile=NationalProfile.ACADEMIE)


def academie_staff():
    return User.objects.filter(is_active=True).filter(ACADEMIE_STAFF).distinct()


def is_academie_staff(user: User) -> bool:
    """Memoised on the user object for the request (like Django's `_perm_cache`)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not hasattr(user, "_is_academie_staff"):
        user._is_academie_staff = user.is_superuser or user.ent_profiles.filter(
            profile=NationalProfile.ACADEMIE
        ).exists()
    return user._is_academie_staff


ROUTED_TO_ACADEMIE = "Services de l'académie (délégué à la protection des données)"


def _school_directors_qs(school_id):
    return User.objects.filter(
        is_active=True,
        role_grants__in=RoleGrant.objects.current().filter(
            role=Role.DIRECTOR_OF_PUBLICATION, school_id=school_id
        ),
    ).distinct()


def data_request_route(data_request: DataRequest) -> tuple[str, object]:
    """THE routing of a request: (label the requester reads, the people who act on
    it). The current director(s) of publication of the school it concerns; académie
    staff when it concerns no school, or when that school has no director of
    publication in office (then the label says so)."""
    if data_request.school_id:
        directors = _school_directors_qs(data_request.school_id)
        # `data_requests_of` annotates the answer, so that a list costs one query.
        has_director = getattr(data_request, "school_has_director", None)
        if has_director is None:
            has_director = directors.exists()
        if has_director:
            return f"Direction de « {data_request.school.name} »", directors
    return ROUTED_TO_ACADEMIE, academie_staff()


def data_request_handlers(data_request: DataRequest):
    return data_request_route(data_request)[1]


def data_requests_of(user: User):
    return DataRequest.objects.filter(user=user).select_related("school").annotate(
        school_has_director=Exists(
            RoleGrant.objects.current().filter(
                role=Role.DIRECTOR_OF_PUBLICATION, school_id=OuterRef("school_id")
            )
        )
    )


def data_requests_handled_by(user: User):
    """Requests this user acts on: all of them for académie staff; for a director
    of publication, those concerning her schools."""
    qs = DataRequest.objects.select_related("user", "school", "closed_by")
    if is_academie_staff(user):
        return qs
    return qs.filter(school_id__in=directed_school_ids(user))


def data_request_can_close(user: User, data_request: DataRequest) -> bool:
    return data_requests_handled_by(user).filter(pk=data_request.pk).exists()


# --- Retention ---------------------------------------------------------------------


def school_year_end(school_year: str):
    """A school year « 2025-2026 » ends on 31 August 2026 (end of day, Paris time)."""
    from datetime import datetime

    end_year = int(school_year.split("-")[1])
    return timezone.make_aware(datetime(end_year, 9, 1)) - timedelta(microseconds=1)


def leavers(*, now=None, grace_days: int | None = None):
    """People who no longer have a reason to hold an account, for longer than the
    grace period. See docs/OPERATIONS.md, « Conservation des données ».

    A leaver is a user who
    - is neither staff nor superuser, and holds no académie profile;
    - has no attachment for the current school year or a later one that has not
      ended (a pupil who left her school, a guardian whose child left: the
      directory import ends their attachments, `Attachment.ended_at`);
    - holds no role grant that is open or ends in the future;
    - and whose last reason ended more than `grace_days` ago: the end of the
      school year of her last attachment (31 August), the end of her last role
      grant — or, if she never had either, the day her account was created.
    Returns (user, reason_ended_at) pairs."""
    now = now or timezone.now()
    grace = timedelta(days=settings.RETENTION_GRACE_DAYS if grace_days is None else grace_days)
    year = current_school_year()
    candidates = (
        User.objects.filter(is_staff=False, is_superuser=False)
        .exclude(ent_profiles__profile=NationalProfile.ACADEMIE)
        .exclude(Exists(
            Attachment.objects.filter(user=OuterRef("pk"), school_year__gte=year)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))
        ))
        .exclude(Exists(RoleGrant.objects.unfinished(now).filter(user=OuterRef("pk"))))
        .annotate(
            # The school year of her last attachment that ran to its end.
            last_year=Max("attachments__school_year",
                          filter=Q(attachments__ended_at__isnull=True)),
            last_end=Max("attachments__ended_at"),
        )
        .order_by("pk")
    )
    last_role_end = dict(
        RoleGrant.objects.filter(user__in=candidates.values("pk"))
        .values_list("user_id").annotate(m=Max("ends_at")).values_list("user_id", "m")
    )
    result = []
    for user in candidates:
        ends = [user.date_joined]
        if user.last_year:
            ends.append(school_year_end(user.last_year))
        if user.last_end:
            ends.append(user.last_end)  # she left during a year (an import ended it)
        if last_role_end.get(user.pk):
            ends.append(last_role_end[user.pk])
        reason_ended_at = max(ends)
        if reason_ended_at + grace <= now:
            result.append((user, reason_ended_at))
    return result


def has_objected(user: User) -> bool:
    """She objected to the keeping of what she authored (an opposition request not refused)."""
    return DataRequest.objects.filter(
        user=user, kind=DataRequest.Kind.OPPOSITION
    ).exclude(status=DataRequest.Status.REFUSED).exists()
