"""Mails of the enrolment, in French, through the portal's task, queued when the
transaction commits; one mail per recipient.

- the enrolment submitted or its list changed: the people who commit the collectivity
  (`selectors.committing_people`), with the link to the convention, and the académie's
  address for enrolments (`ENROLMENT_EMAILS`) with the link to the back office;
- each step the académie takes, and a cancellation with its reason: the people who
  commit the collectivity."""

from django.conf import settings
from django.urls import reverse

from enrolment.documents import format_euros


def _url(name: str, *args) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(name, args=args)


def _queue(subject, body, addresses):
    from pages.notifications import queue_mail

    queue_mail(subject, body, addresses)


def _collectivity_addresses(enrolment):
    from enrolment.selectors import committing_people

    return [u.email for u in committing_people(enrolment.collectivity)]


def _summary(enrolment, document) -> str:
    schools = "\n".join(f"- {s['uai']} {s['name']} ({s['city']})" for s in document.schools)
    return (f"{len(document.schools)} école(s), {format_euros(document.amount)} :\n{schools}")


def enrolment_submitted(enrolment, document, *, by) -> None:
    year = enrolment.year.school_year
    _queue(f"Inscription des écoles {year} : {enrolment.collectivity.name}",
           f"Bonjour,\n\n{enrolment.collectivity.name} a inscrit ses écoles pour {year} : "
           f"{_summary(enrolment, document)}\n\nLa convention pré-remplie est à signer par "
           f"{enrolment.representative} puis à retourner aux services de l'académie. Elle se "
           f"télécharge ici :\n{_url('enrolment:detail', enrolment.pk)}",
           _collectivity_addresses(enrolment))
    _queue(f"Nouvelle inscription {year} : {enrolment.collectivity.name}",
           f"Bonjour,\n\n{enrolment.collectivity.name} ({enrolment.collectivity.departement}) a "
           f"inscrit {_summary(enrolment, document)}\n\n"
           f"{_url('enrolment_admin:detail', enrolment.pk)}",
           settings.ENROLMENT_EMAILS)


def enrolment_changed(enrolment, document, *, by) -> None:
    year = enrolment.year.school_year
    _queue(f"Inscription des écoles {year} modifiée : {enrolment.collectivity.name}",
           f"Bonjour,\n\nLa liste des écoles inscrites par {enrolment.collectivity.name} a changé : "
           f"{_summary(enrolment, document)}\n\nLa convention n° {document.number} remplace la "
           f"précédente :\n{_url('enrolment:detail', enrolment.pk)}",
           _collectivity_addresses(enrolment))
    _queue(f"Inscription {year} modifiée : {enrolment.collectivity.name}",
           f"Bonjour,\n\n{enrolment.collectivity.name} a modifié son inscription : "
           f"{_summary(enrolment, document)}\n\n{_url('enrolment_admin:detail', enrolment.pk)}",
           settings.ENROLMENT_EMAILS)


def enrolment_advanced(enrolment, *, by) -> None:
    _queue(f"Inscription {enrolment.year.school_year} : {enrolment.get_status_display().lower()}",
           f"Bonjour,\n\nL'inscription des écoles de {enrolment.collectivity.name} pour "
           f"{enrolment.year.school_year} est maintenant « {enrolment.get_status_display().lower()} ».\n\n"
           f"{_url('enrolment:detail', enrolment.pk)}",
           _collectivity_addresses(enrolment))


def enrolment_cancelled(enrolment, *, by) -> None:
    _queue(f"Inscription {enrolment.year.school_year} annulée",
           f"Bonjour,\n\nL'inscription des écoles de {enrolment.collectivity.name} pour "
           f"{enrolment.year.school_year} a été annulée par les services de l'académie, pour ce "
           f"motif :\n\n{enrolment.cancel_reason}\n\nSes écoles ne sont plus inscrites ; vous pouvez "
           f"les inscrire à nouveau :\n{_url('enrolment:home')}",
           _collectivity_addresses(enrolment))
