"""Who may report what, who handles a report or a help request — each rule defined once,
from the directory *now* (a director who leaves hands her cases to her successor).

Reports:
- she may report a publication she may read (`pages.visibility.visible_pages`, THE
  selector) and an association message delivered to her (`moderation.selectors.inbox_of`);
  anything else is, for her, a publication that does not exist;
- a case is handled by the direction of publication of the publication's space (the
  approver of `pages.workflow`: director of publication, référent ville; académie staff
  outside the spaces or when nobody is in office), who answers for what is published
  there (article 6) — a teacher or a publisher who wrote it is never told; a message's
  case by whoever decides that message now (`moderation.selectors.messages_decided_by`:
  the director who approved it, or her successor; never a member of the association).
  `cases_handled_by(user)` (a queryset, for the lists and the decisions) and
  `case_handlers(case)` (the people, for the mails) are the same rule from both sides;
  tests/assistance/test_routing.py checks them against each other.

Help requests:
- staff (every profile but parent and pupil) ask the académie's assistance; parents and
  pupils ask one of their schools (`profiles.selectors.user_school_ids`), or the
  académie's assistance when they have none;
- a school's request is handled by its director(s) of publication in office, académie
  staff when there is none (as the RGPD requests: `profiles.selectors.data_request_route`);
  the académie's requests by académie staff."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from wagtail.models import Page

from assistance.models import HelpRequest, ReportCase
from profiles.models import (
    Academie,
    Attachment,
    NationalProfile,
    Role,
    RoleGrant,
    School,
    User,
)
from profiles.selectors import (
    academie_staff,
    directed_school_ids,
    is_academie_staff,
    user_school_ids,
)

NOT_FOUND = "Cette publication n'existe pas ou vous ne pouvez pas la lire."


def _active(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.is_active)


# --- What she may report ---------------------------------------------------------------------


def readable_publication(user, page_id):
    """The publication `page_id` if she may read it now, else None (whether it exists or
    not: the caller answers the same for both)."""
    from pages.publishing import is_publication
    from pages.visibility import visible_pages

    if not _active(user):
        return None
    page = visible_pages(user, Page.objects.filter(pk=page_id)).first()
    if page is None or not is_publication(page):
        return None
    return page.specific


def reportable_delivery(user, message_id):
    """The delivery of message `message_id` in her inbox (approved, delivered to her), else
    None."""
    from moderation.selectors import inbox_of

    if not _active(user):
        return None
    return inbox_of(user).filter(message_id=message_id).first()


def reports_of(user):
    """Her reports, newest first, with their case (its outcome is what she is told)."""
    from assistance.models import Report

    return Report.objects.filter(reporter=user).select_related("case").order_by(
        "-created_at", "-pk")


# --- Who handles a case -------------------------------------------------------------------


def pages_reviewed_by(user):
    """THE definition of the publications whose reports `user` handles (a Page queryset):
    those she approves and unpublishes (`pages.workflow.approvable_pages_q`)."""
    from pages.workflow import approvable_pages_q, pages_with_space_path

    if not _active(user):
        return Page.objects.none()
    return pages_with_space_path().filter(approvable_pages_q(user))


def cases_handled_by(user):
    """THE cases `user` handles, whatever their state."""
    from moderation.selectors import messages_decided_by

    if not _active(user):
        return ReportCase.objects.none()
    return ReportCase.objects.filter(
        Q(page__in=pages_reviewed_by(user).values("pk"))
        | Q(message__in=messages_decided_by(user).values("pk")))


def case_handlers(case):
    """Who handles `case` now (for the mails): the same rule from the case's side."""
    from moderation.selectors import deciders_of
    from pages.workflow import approvers_of

    if case.message_id:
        return deciders_of(case.message)
    if case.page_id is None:
        return User.objects.none()
    return approvers_of(case.page)


def may_handle_reports(user) -> bool:
    """Shown the « Signalements » menu: whoever approves somewhere — directors of
    publication (`directs_a_school`, memoised and shared with the other menu items),
    référents ville — and académie staff (memoised for the request)."""
    if not _active(user):
        return False
    cached = getattr(user, "_assistance_handles_reports", None)
    if cached is None:
        from profiles.selectors import directs_a_school

        cached = is_academie_staff(user) or directs_a_school(user) or RoleGrant.objects.current() \
            .filter(user=user, role=Role.REFERENT_VILLE).exists()
        user._assistance_handles_reports = cached
    return cached


def case_list(user):
    """Her cases, whatever their state, with what the lists show: the count of reports, the
    page and the message (their space comes from `attach_spaces`) — a constant number of
    queries. Filter this one queryset for each list: who she handles is read once."""
    return cases_handled_by(user).annotate(count=Count("reports")).select_related(
        "page", "message__school", "message__association", "closed_by")


def open_case_count(user) -> int:
    return cases_handled_by(user).filter(status=ReportCase.Status.OPEN).count() \
        if may_handle_reports(user) else 0


def attach_spaces(cases) -> list:
    """Each case's place: its space's title (one query for a page of cases)."""
    from pages.workflow import SPACE_DEPTH

    cases = list(cases)
    length = Page.steplen * SPACE_DEPTH
    paths = {c.page.path[:length] for c in cases if c.page_id and len(c.page.path) >= length}
    titles = dict(Page.objects.filter(path__in=paths).values_list("path", "title"))
    for case in cases:
        if case.message_id:
            case.place = case.message.school.name
        elif case.page_id:
            case.place = titles.get(case.page.path[:length], "Portail")
        else:
            case.place = "Publication supprimée"
    return cases


# --- Help requests --------------------------------------------------------------------------

ACADEMIE = "academie"
PUPIL_OR_PARENT = {NationalProfile.PUPIL, NationalProfile.PARENT}


@dataclass(frozen=True)
class Destination:
    key: str  # "academie" or "school:<id>"
    label: str
    school_id: int | None = None


def is_staff_requester(user) -> bool:
    """She holds a profile other than parent and pupil (director, teacher, collectivity,
    académie…): she asks the académie's assistance."""
    return any(p.profile not in PUPIL_OR_PARENT for p in user.ent_profiles.all())


def help_destinations(user) -> list[Destination]:
    """To whom she may address a help request: the académie's assistance (staff), her
    schools (parents and pupils: her children's, her own); the académie's assistance when
    she has neither."""
    if not _active(user):
        return []
    destinations = []
    if is_staff_requester(user) or is_academie_staff(user):
        destinations.append(Destination(ACADEMIE, "L'assistance de l'académie"))
    profiles = {p.profile for p in user.ent_profiles.all()}
    if profiles & PUPIL_OR_PARENT:
        for school in School.objects.filter(pk__in=user_school_ids(user)).order_by("name"):
            destinations.append(Destination(f"school:{school.pk}",
                                            f"La direction de « {school.name} »", school.pk))
    if not destinations:
        destinations.append(Destination(ACADEMIE, "L'assistance de l'académie"))
    return destinations


def requester_academie(user) -> Academie | None:
    """The académie of her schools (or of her collectivity): which assistance address is
    told of her request."""
    school_ids = user_school_ids(user)
    academie_id = (School.objects.filter(pk__in=school_ids)
                   .values_list("circonscription__departement__academie_id", flat=True)
                   .order_by("circonscription__departement__academie_id").first())
    if academie_id is None:
        academie_id = (Attachment.objects.current()
                       .filter(user=user, kind=Attachment.Kind.COLLECTIVITY_STAFF)
                       .values_list("collectivity__departement__academie_id", flat=True)
                       .order_by("collectivity__departement__academie_id").first())
    return Academie.objects.filter(pk=academie_id).first() if academie_id else None


def _directors_in_office():
    """(On HelpRequest) its school has a director of publication in office (other than
    the requester herself)."""
    return Exists(RoleGrant.objects.current().filter(
        role=Role.DIRECTOR_OF_PUBLICATION, school_id=OuterRef("school_id"),
        user__is_active=True).exclude(user_id=OuterRef("requester_id")))


def help_requests_handled_by(user):
    """THE help requests `user` answers: her schools' (director of publication in office);
    for académie staff, the académie's and those of schools with nobody in office."""
    if not _active(user):
        return HelpRequest.objects.none()
    q = Q(school_id__in=directed_school_ids(user))
    if is_academie_staff(user):
        q |= Q(school__isnull=True) | ~_directors_in_office()
    return HelpRequest.objects.filter(q).exclude(requester=user)


def help_route(help_request) -> tuple[str, object]:
    """(What the requester reads, the people who answer): the same rule from the request's
    side."""
    if help_request.school_id:
        directors = User.objects.filter(
            is_active=True, role_grants__in=RoleGrant.objects.current().filter(
                role=Role.DIRECTOR_OF_PUBLICATION, school_id=help_request.school_id),
        ).exclude(pk=help_request.requester_id).distinct()
        if directors.exists():
            return f"La direction de « {help_request.school.name} »", directors
        return ("L'assistance de l'académie (l'école n'a pas de direction de publication en "
                "fonction)"), academie_staff().exclude(pk=help_request.requester_id)
    name = help_request.academie.name if help_request.academie_id else ""
    label = f"L'assistance de l'académie de {name}" if name else "L'assistance de l'académie"
    return label, academie_staff().exclude(pk=help_request.requester_id)


def may_answer_help(user) -> bool:
    """Shown the « Demandes d'aide » menu: directors of publication in office and
    académie staff (memoised for the request)."""
    if not _active(user):
        return False
    cached = getattr(user, "_assistance_answers_help", None)
    if cached is None:
        from profiles.selectors import directs_a_school

        cached = is_academie_staff(user) or directs_a_school(user)
        user._assistance_answers_help = cached
    return cached


def help_requests_of(user):
    return HelpRequest.objects.filter(requester=user).select_related("school", "academie")


def help_list(user):
    """The requests she answers, whatever their state, with what the lists show."""
    return help_requests_handled_by(user).select_related("requester", "school", "academie") \
        .annotate(messages_count=Count("thread")).order_by("-updated_at", "-pk")


def open_help_count(user) -> int:
    if not may_answer_help(user):
        return 0
    return help_requests_handled_by(user).filter(status=HelpRequest.Status.OPEN).count()

