"""Mails of the assistance app, in French, through the portal's task
(`pages.notifications.send_portal_mail`), queued when the transaction commits; one mail
per recipient, nobody sees another's address.

- a publication reported (its first report opens a case): whoever handles it
  (`selectors.case_handlers`) — never the author; the mail does not name the reporter;
- a case closed: each reporter, with the outcome (withdrawn or kept, and the answer),
  never the reason given to the author;
- a help request: whoever answers it (`selectors.help_route`), and the académie's
  assistance address (`ASSISTANCE_EMAILS`) for the académie's requests; an answer: the
  requester; a follow-up: whoever answers."""

from django.conf import settings
from django.urls import reverse


def _queue(subject: str, body: str, users) -> None:
    from pages.notifications import queue_mail

    queue_mail(subject, body, [u.email for u in users if u.is_active])


def _url(name: str, *args) -> str:
    """An absolute address of the portal (the admin and the portal share the host)."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(name, args=args)


def notify_case_opened(case) -> None:
    from assistance.selectors import case_handlers

    _queue(f"Signalement : « {case.title} »",
           f"Bonjour,\n\nUne publication dont vous êtes responsable a été signalée : "
           f"« {case.title} » ({case.kind_label.lower()}).\n\nExaminez-la et décidez de la "
           f"suite (retrait ou réponse) :\n{_url('assistance_admin:case', case.pk)}",
           case_handlers(case))


OUTCOMES = {
    "unpublished": "la direction de publication a retiré la publication.",
    "kept": "la direction de publication l'a examinée et l'a maintenue.",
}


def notify_case_outcome(case) -> None:
    from profiles.models import User

    reporters = User.objects.filter(content_reports__case=case).distinct()
    body = (f"Bonjour,\n\nVotre signalement de « {case.title} » a été traité : "
            f"{OUTCOMES[case.status]}")
    if case.answer:
        body += f"\n\nRéponse de la direction de publication :\n{case.answer}"
    body += f"\n\nVos signalements : {_url('assistance:reports')}"
    _queue(f"Votre signalement : « {case.title} »", body, reporters)


def _assistance_addresses(help_request) -> list[str]:
    if help_request.school_id:
        return []
    addresses = getattr(settings, "ASSISTANCE_EMAILS", {}) or {}
    code = help_request.academie.code if help_request.academie_id else ""
    address = addresses.get(code) or addresses.get("*")
    return [address] if address else []


def notify_help_submitted(help_request) -> None:
    from assistance.selectors import help_route

    _label, handlers = help_route(help_request)
    who = help_request.requester.get_full_name() or help_request.requester.get_username()
    subject = f"Demande d'aide : {help_request.get_category_display()}"
    _queue(subject, f"Bonjour,\n\n{who} demande de l'aide ({help_request.get_category_display()})"
                    f" :\n\n{help_request.text}\n\n"
                    f"{_url('assistance_admin:help', help_request.pk)}", handlers)
    from pages.notifications import queue_mail

    extra = _assistance_addresses(help_request)
    if extra:
        queue_mail(
            subject, f"Demande d'aide déposée sur le portail par {who} "
                     f"({help_request.requester.get_username()}) :\n\n{help_request.text}\n\n"
                     f"Envoyée depuis : {help_request.page_url or '—'}\n"
                     f"Navigateur : {help_request.user_agent or '—'}\n\n"
                     f"Répondre dans le portail : "
                     f"{_url('assistance_admin:help', help_request.pk)}", extra)


def notify_help_answered(help_request, answer) -> None:
    _queue(f"Réponse à votre demande d'aide : {help_request.get_category_display()}",
           f"Bonjour,\n\nVotre demande d'aide a reçu une réponse :\n\n{answer.text}\n\n"
           f"Suivre votre demande : {_url('assistance:help_detail', help_request.pk)}",
           [help_request.requester])


def notify_help_follow_up(help_request) -> None:
    from assistance.selectors import help_route

    _label, handlers = help_route(help_request)
    _queue(f"Demande d'aide complétée : {help_request.get_category_display()}",
           f"Bonjour,\n\nLe demandeur a complété sa demande d'aide.\n\n"
           f"{_url('assistance_admin:help', help_request.pk)}", handlers)
