"""Every change of the assistance app. Each service checks its actor first (like
Wagtail's actions), validates, writes Wagtail's audit log and queues its mails on
commit. A refusal raises `Refused` (French; `Unreadable` for something she may not
read — told exactly as if it did not exist) or `ValidationError`, and changes nothing.

- `report_publication`, `report_message`: one report per person and publication (a
  database constraint, whatever the race), a daily limit per person
  (`RATE_LIMITS["content_report"]`), grouped in the publication's open case;
- `case_unpublish`: the handler takes the publication off through the service that owns
  it (`pages.publishing.publication_unpublish`, `moderation.services.message_retract`:
  their own checks, audit entries and mail to the author) and closes the case;
  `case_close`: closes it with an answer. The reporters are told the outcome;
- `help_request_submit`, `help_answer`, `help_follow_up`, `help_close`."""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from assistance import notifications, selectors
from assistance.models import (
    ANSWER_MAX_LENGTH,
    HELP_TEXT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    HelpCategory,
    HelpMessage,
    HelpRequest,
    Report,
    ReportCase,
    ReportReason,
)
from moderation.services import Refused  # the project's one French refusal
from portal import ratelimit


class Unreadable(Refused):
    """She may not read it: told as if it did not exist (the views answer 404)."""


ALREADY_REPORTED = "Vous avez déjà signalé cette publication : la direction de publication en est informée."
TOO_MANY_REPORTS = ("Vous avez fait beaucoup de signalements aujourd'hui : réessayez demain. "
                    "En cas d'urgence, contactez directement l'école.")
TOO_MANY_HELP = "Vous avez déposé beaucoup de demandes aujourd'hui : réessayez demain."
NOT_HANDLER = "Vous ne traitez pas ce signalement."
NOT_HELP_HANDLER = "Vous ne traitez pas cette demande d'aide."

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _active(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.is_active)


def _who(user) -> str:
    if user is None:
        return "le système"
    return user.get_full_name() or user.get_username()


def _clean_text(value, *, required: bool, max_length: int, empty_message: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise ValidationError("Le texte contient un caractère interdit.")
    text = _CONTROL.sub("", text)
    if required and not text:
        raise ValidationError(empty_message)
    if len(text) > max_length:
        raise ValidationError(f"Le texte ne doit pas dépasser {max_length} caractères "
                              f"({len(text)} actuellement).")
    return text


# --- Reports ------------------------------------------------------------------------------


def _check_reason(reason) -> str:
    if reason not in ReportReason.values:
        raise ValidationError("Choisissez le motif du signalement.")
    return reason


def _report(*, by, page=None, message=None, title: str, revision=None, message_version=None,
            reason: str, text: str) -> Report:
    reason = _check_reason(reason)
    text = _clean_text(text, required=reason == ReportReason.OTHER, max_length=TEXT_MAX_LENGTH,
                       empty_message="Précisez ce qui pose problème.")
    target = {"page": page} if page is not None else {"message": message}
    if Report.objects.filter(reporter=by, **target).exists():
        raise Refused(ALREADY_REPORTED)
    if not ratelimit.hit("content_report", by.pk):
        raise Refused(TOO_MANY_REPORTS)
    now = timezone.now()
    try:
        with transaction.atomic():
            case, created = ReportCase.objects.get_or_create(
                status=ReportCase.Status.OPEN, **target,
                defaults={"title": title[:255], "opened_at": now, "last_report_at": now})
    except IntegrityError:  # someone opened it at the same moment
        case, created = ReportCase.objects.get(status=ReportCase.Status.OPEN, **target), False
    ReportCase.objects.filter(pk=case.pk).update(last_report_at=now, title=title[:255])
    try:
        with transaction.atomic():
            report = Report.objects.create(case=case, reporter=by, revision=revision,
                                           message_version=message_version, reason=reason,
                                           text=text, created_at=now, **target)
    except IntegrityError:  # the same person, twice at once
        raise Refused(ALREADY_REPORTED) from None
    log(instance=case, action="assistance.report", user=by,
        data={"reason": reason, "report": report.pk})
    if created:
        notifications.notify_case_opened(case)
    return report


@transaction.atomic
def report_publication(*, by, page_id, reason: str, text: str = "") -> Report:
    """She reports a publication she may read (a news item, an event, a page, a
    communication): the revision she read is kept with her report."""
    if not _active(by):
        raise Unreadable(selectors.NOT_FOUND)
    page = selectors.readable_publication(by, page_id)
    if page is None:
        raise Unreadable(selectors.NOT_FOUND)
    return _report(by=by, page=page, title=page.title, revision=page.live_revision,
                   reason=reason, text=text)


@transaction.atomic
def report_message(*, by, message_id, reason: str, text: str = "") -> Report:
    """She reports an association message delivered to her: the version she received is
    kept with her report."""
    from moderation.models import MessageVersion

    if not _active(by):
        raise Unreadable(selectors.NOT_FOUND)
    delivery = selectors.reportable_delivery(by, message_id)
    if delivery is None:
        raise Unreadable(selectors.NOT_FOUND)
    message = delivery.message
    version = MessageVersion.objects.filter(message=message, number=message.version).first()
    return _report(by=by, message=message, title=message.subject, message_version=version,
                   reason=reason, text=text)


def _lock_case(by, case) -> ReportCase:
    locked = ReportCase.objects.select_for_update().get(pk=case.pk)
    if not selectors.cases_handled_by(by).filter(pk=locked.pk).exists():
        raise Refused(NOT_HANDLER)
    if not locked.is_open:
        raise Refused(f"Ce signalement a déjà été traité par {_who(locked.closed_by)} le "
                      f"{timezone.localtime(locked.closed_at):%d/%m/%Y à %H:%M}.")
    return locked


def _close_case(locked, *, by, status, answer, now) -> None:
    updated = ReportCase.objects.filter(pk=locked.pk, status=ReportCase.Status.OPEN).update(
        status=status, closed_at=now, closed_by=by, answer=answer)
    if updated != 1:
        raise Refused("Ce signalement vient d'être traité par quelqu'un d'autre.")
    locked.refresh_from_db()


@transaction.atomic
def case_unpublish(*, by, case: ReportCase, reason: str, answer: str = "") -> ReportCase:
    """Take the reported publication off (the reason goes to its author, as any
    unpublication by the direction of publication) and close the case; the reporters
    are told it was withdrawn (and the answer, if any), never the reason."""
    from moderation.services import message_retract
    from pages.publishing import publication_unpublish

    locked = _lock_case(by, case)
    answer = _clean_text(answer, required=False, max_length=ANSWER_MAX_LENGTH, empty_message="")
    if locked.page_id:
        publication_unpublish(locked.page, by=by, reason=reason)
    elif locked.message_id:
        message_retract(by=by, message=locked.message, reason=reason)
    else:
        raise ValidationError("La publication n'existe plus : closez le signalement avec une réponse.")
    now = timezone.now()
    _close_case(locked, by=by, status=ReportCase.Status.UNPUBLISHED, answer=answer, now=now)
    log(instance=locked, action="assistance.case_unpublish", user=by, data={"reason": reason.strip()})
    notifications.notify_case_outcome(locked)
    return locked


@transaction.atomic
def case_close(*, by, case: ReportCase, answer: str) -> ReportCase:
    """Close the case without taking the publication off, with an answer the reporters read."""
    locked = _lock_case(by, case)
    answer = _clean_text(answer, required=True, max_length=ANSWER_MAX_LENGTH,
                         empty_message="Écrivez la réponse transmise aux personnes qui ont signalé.")
    now = timezone.now()
    _close_case(locked, by=by, status=ReportCase.Status.KEPT, answer=answer, now=now)
    log(instance=locked, action="assistance.case_close", user=by, data={"answer": answer})
    notifications.notify_case_outcome(locked)
    return locked


# --- Help requests ------------------------------------------------------------------------


def clean_page_url(value) -> str:
    """Only a path of the portal is kept (« /ecoles/… », « /admin/… »): anything else (an
    address elsewhere, « //host », a script) is dropped."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    value = _CONTROL.sub("", value)
    return value[:500]


def clean_user_agent(value) -> str:
    return _CONTROL.sub("", (value or "").strip())[:500]


@transaction.atomic
def help_request_submit(*, by, destination: str, category: str, text: str, page_url: str = "",
                        user_agent: str = "") -> HelpRequest:
    if not _active(by):
        raise Refused("Connectez-vous pour demander de l'aide.")
    destinations = {d.key: d for d in selectors.help_destinations(by)}
    chosen = destinations.get(destination)
    if chosen is None:
        raise ValidationError("Choisissez à qui adresser votre demande parmi ce qui vous est proposé.")
    if category not in HelpCategory.values:
        raise ValidationError("Choisissez la catégorie de votre demande.")
    text = _clean_text(text, required=True, max_length=HELP_TEXT_MAX_LENGTH,
                       empty_message="Décrivez votre demande.")
    if not ratelimit.hit("help_request", by.pk):
        raise Refused(TOO_MANY_HELP)
    now = timezone.now()
    help_request = HelpRequest.objects.create(
        requester=by, category=category, text=text, school_id=chosen.school_id,
        academie=selectors.requester_academie(by) if chosen.school_id is None else None,
        page_url=clean_page_url(page_url), user_agent=clean_user_agent(user_agent),
        created_at=now, updated_at=now)
    log(instance=help_request, action="assistance.help_submit", user=by,
        data={"category": category})
    notifications.notify_help_submitted(help_request)
    return help_request


def _lock_help(help_request) -> HelpRequest:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join.
    return HelpRequest.objects.select_for_update(of=("self",)).select_related("requester", "school").get(
        pk=help_request.pk)


@transaction.atomic
def help_answer(*, by, help_request: HelpRequest, text: str, close: bool = False) -> HelpMessage:
    """The assistance (or the school's direction) answers; the requester is told by mail
    and on the portal. `close`: nothing more is expected."""
    locked = _lock_help(help_request)
    if not selectors.help_requests_handled_by(by).filter(pk=locked.pk).exists():
        raise Refused(NOT_HELP_HANDLER)
    if locked.status == HelpRequest.Status.CLOSED:
        raise Refused("Cette demande est close : le demandeur peut en déposer une nouvelle.")
    text = _clean_text(text, required=True, max_length=HELP_TEXT_MAX_LENGTH,
                       empty_message="Écrivez votre réponse.")
    now = timezone.now()
    answer = HelpMessage.objects.create(request=locked, author=by, text=text, created_at=now)
    status = HelpRequest.Status.CLOSED if close else HelpRequest.Status.ANSWERED
    HelpRequest.objects.filter(pk=locked.pk).update(
        status=status, updated_at=now, closed_at=now if close else None)
    log(instance=locked, action="assistance.help_answer", user=by, data={"close": close})
    notifications.notify_help_answered(locked, answer)
    help_request.refresh_from_db()
    return answer


@transaction.atomic
def help_follow_up(*, by, help_request: HelpRequest, text: str) -> HelpMessage:
    """The requester adds to her request: it waits for an answer again."""
    locked = _lock_help(help_request)
    if by is None or locked.requester_id != by.pk:
        raise Unreadable("Cette demande n'existe pas.")
    if locked.status == HelpRequest.Status.CLOSED:
        raise Refused("Cette demande est close : déposez-en une nouvelle.")
    text = _clean_text(text, required=True, max_length=HELP_TEXT_MAX_LENGTH,
                       empty_message="Écrivez votre message.")
    now = timezone.now()
    follow_up = HelpMessage.objects.create(request=locked, author=by, from_requester=True,
                                           text=text, created_at=now)
    HelpRequest.objects.filter(pk=locked.pk).update(status=HelpRequest.Status.OPEN, updated_at=now)
    log(instance=locked, action="assistance.help_follow_up", user=by)
    notifications.notify_help_follow_up(locked)
    help_request.refresh_from_db()
    return follow_up


@transaction.atomic
def help_close(*, by, help_request: HelpRequest) -> HelpRequest:
    """The requester (her problem is solved) or whoever answers closes it."""
    locked = _lock_help(help_request)
    is_requester = by is not None and locked.requester_id == by.pk
    if not is_requester and not selectors.help_requests_handled_by(by).filter(pk=locked.pk).exists():
        raise Refused(NOT_HELP_HANDLER)
    if locked.status == HelpRequest.Status.CLOSED:
        raise Refused("Cette demande est déjà close.")
    now = timezone.now()
    HelpRequest.objects.filter(pk=locked.pk).update(status=HelpRequest.Status.CLOSED,
                                                    updated_at=now, closed_at=now)
    log(instance=locked, action="assistance.help_close", user=by)
    help_request.refresh_from_db()
    return help_request
