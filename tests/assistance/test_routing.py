"""The routing matrix: who reports what, for which space, reaches whom — and nobody else.

For each kind of place, a reader reports a publication; the people who handle the case
are computed from both sides of the one rule (`cases_handled_by(user)` for every person
of the world, `case_handlers(case)` for the mails), and must equal the expected set.
The mail goes to them and to nobody else — never to the author, never naming the
reporter. The same for help requests (`help_requests_handled_by`, `help_route`)."""

import pytest
from django.core import mail

from assistance import selectors, services
from assistance.models import HelpCategory, ReportCase, ReportReason
from profiles import services as directory
from profiles.models import Role, RoleGrant
from tests.assistance.world import people


def handled_by(w, case) -> set[str]:
    return {name for name, user in people(w).items()
            if selectors.cases_handled_by(user).filter(pk=case.pk).exists()}


def handlers(case) -> set[str]:
    return {u.username for u in selectors.case_handlers(case)}


NAMES = {"admin": "admin", "director_j": "directrice.jaures", "referent_a": "referent.toulouse",
         "director_f": "directrice.ferry"}

# (what is reported, who reports, who handles it)
MATRIX = [
    ("news_j", "parent", {"director_j"}),     # a school's news: its director of publication
    ("news_j", "pupil_j2", {"director_j"}),   # whoever reads it
    ("comm_a", "parent", {"referent_a"}),     # a commune's communication: the référent ville
    ("news_t", "parent_f", {"admin"}),        # no director in office: académie staff
    ("message", "parent", {"director_j"}),    # an association message: who approved it
]


@pytest.mark.parametrize(("target", "reporter", "expected"), MATRIX)
def test_a_report_reaches_its_handlers_and_nobody_else(aworld, target, reporter, expected,
                                                       django_capture_on_commit_callbacks):
    w = aworld
    mail.outbox.clear()
    by = getattr(w, reporter)
    with django_capture_on_commit_callbacks(execute=True):
        if target == "message":
            report = services.report_message(by=by, message_id=w.message.pk,
                                             reason=ReportReason.ILLICIT, text="Propos blessants.")
        else:
            report = services.report_publication(by=by, page_id=getattr(w, target).pk,
                                                 reason=ReportReason.ILLICIT, text="Propos blessants.")
    case = report.case
    assert handled_by(w, case) == expected
    assert handlers(case) == {NAMES[n] for n in expected}
    # One mail per handler, and only to them; it names neither the reporter nor her text.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"{NAMES[n]}@example.org" for n in expected)
    for m in mail.outbox:
        assert by.username not in m.body and "Propos blessants" not in m.body
        assert (by.get_full_name() or by.username) not in m.body


def test_the_author_never_handles_nor_hears_of_the_report(aworld, django_capture_on_commit_callbacks):
    w = aworld  # news_j is written by the teacher, the message by an FCPE member
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_publication(by=w.parent, page_id=w.news_j.pk, reason=ReportReason.OTHER,
                                    text="Une erreur de date.")
        services.report_message(by=w.parent, message_id=w.message.pk, reason=ReportReason.OTHER,
                                text="Une erreur de date.")
    for author in (w.teacher_j, w.member, w.member2):
        assert not selectors.cases_handled_by(author).exists()
        assert all(author.email not in m.to for m in mail.outbox)


def test_a_new_director_takes_over_the_open_cases_of_her_school(aworld):
    """Who handles is read from the directory at decision time: after a handover, the
    successor handles the case, the former director no longer sees it."""
    w = aworld
    case = services.report_publication(by=w.parent, page_id=w.news_j.pk,
                                       reason=ReportReason.OTHER, text="À vérifier.").case
    from profiles.models import Attachment, NationalProfile
    from tests.factories import UserFactory

    successor = UserFactory(username="nouvelle.directrice", profiles=[NationalProfile.DIRECTOR])
    directory.attachment_add(user=successor, kind=Attachment.Kind.DIRECTOR, school=w.school_j)
    directory.role_grant(role=Role.DIRECTOR_OF_PUBLICATION, user=successor, school=w.school_j,
                         replace=True)
    assert RoleGrant.objects.current().filter(school=w.school_j, user=successor).exists()
    assert selectors.cases_handled_by(successor).filter(pk=case.pk).exists()
    assert not selectors.cases_handled_by(w.director_j).filter(pk=case.pk).exists()
    assert handlers(case) == {"nouvelle.directrice"}
    # And the former director's decision is refused, changing nothing.
    with pytest.raises(services.Refused):
        services.case_close(by=w.director_j, case=case, answer="Rien à signaler.")
    assert ReportCase.objects.get(pk=case.pk).status == ReportCase.Status.OPEN


# --- Help requests ------------------------------------------------------------------------


def answered_by(w, help_request) -> set[str]:
    return {name for name, user in people(w).items()
            if selectors.help_requests_handled_by(user).filter(pk=help_request.pk).exists()}


HELP_MATRIX = [
    # (who asks, destination key builder, who answers)
    ("teacher_j", lambda w: "academie", {"admin"}),
    ("referent_a", lambda w: "academie", {"admin"}),
    ("parent", lambda w: f"school:{w.school_j.pk}", {"director_j"}),   # she chooses Jaurès
    ("parent", lambda w: f"school:{w.school_f.pk}", {"director_f"}),   # … or Jules Ferry
    ("pupil_f", lambda w: f"school:{w.school_f.pk}", {"director_f"}),
]


@pytest.mark.parametrize(("asker", "destination", "expected"), HELP_MATRIX)
def test_a_help_request_reaches_whoever_answers_it_and_nobody_else(
        aworld, asker, destination, expected, django_capture_on_commit_callbacks):
    w = aworld
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        help_request = services.help_request_submit(
            by=getattr(w, asker), destination=destination(w), category=HelpCategory.ACCESS,
            text="Je n'arrive pas à me connecter depuis ma tablette.")
    assert answered_by(w, help_request) == expected
    label, route = selectors.help_route(help_request)
    assert {u.username for u in route} == {NAMES[n] for n in expected}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"{NAMES[n]}@example.org" for n in expected)


def test_what_each_person_may_ask(aworld):
    w = aworld
    keys = {name: [d.key for d in selectors.help_destinations(u)] for name, u in people(w).items()}
    assert keys["teacher_j"] == ["academie"]
    assert keys["director_j"] == ["academie"]
    assert keys["referent_a"] == ["academie"]
    # A parent of two schools chooses; a pupil asks her school.
    assert sorted(keys["parent"]) == sorted([f"school:{w.school_j.pk}", f"school:{w.school_f.pk}"])
    assert keys["pupil_f"] == [f"school:{w.school_f.pk}"]
    # A destination that is not hers is refused and creates nothing.
    from django.core.exceptions import ValidationError

    from assistance.models import HelpRequest
    with pytest.raises(ValidationError):
        services.help_request_submit(by=w.pupil_f, destination=f"school:{w.school_j.pk}",
                                     category=HelpCategory.ACCESS, text="Bonjour")
    with pytest.raises(ValidationError):
        services.help_request_submit(by=w.parent, destination="academie",
                                     category=HelpCategory.ACCESS, text="Bonjour")
    assert not HelpRequest.objects.exists()


def test_a_school_without_director_sends_its_families_to_the_academie(aworld, settings,
                                                                        django_capture_on_commit_callbacks):
    """Les Tilleuls has no director of publication: its families' requests reach académie
    staff, and the requester reads it; the académie's requests also reach the address of
    its assistance platform."""
    w = aworld
    from assistance.models import HelpRequest
    from profiles.models import Attachment, NationalProfile
    from tests.factories import UserFactory

    settings.ASSISTANCE_EMAILS = {w.school_j.circonscription.departement.academie.code:
                                  "assistance@academie.example.org"}
    pupil_t = UserFactory(username="eleve.tilleuls", profiles=[NationalProfile.PUPIL])
    from tests.factories import SchoolClassFactory

    directory.attachment_add(user=pupil_t, kind=Attachment.Kind.PUPIL,
                             school_class=SchoolClassFactory(school=w.school_t, name="GS"))
    help_t = services.help_request_submit(by=pupil_t, destination=f"school:{w.school_t.pk}",
                                          category=HelpCategory.ACCOUNT, text="Mot de passe perdu")
    assert answered_by(w, help_t) == {"admin"}
    assert "pas de direction de publication" in selectors.help_route(help_t)[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        help_a = services.help_request_submit(by=w.teacher_j, destination="academie",
                                              category=HelpCategory.TECHNICAL, text="Erreur 500",
                                              page_url="/admin/pages/", user_agent="Firefox")
    assert HelpRequest.objects.get(pk=help_a.pk).academie == w.school_j.circonscription.departement.academie
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@example.org", "assistance@academie.example.org"]
    platform = next(m for m in mail.outbox if m.to == ["assistance@academie.example.org"])
    assert "/admin/pages/" in platform.body and "Firefox" in platform.body
