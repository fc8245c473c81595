"""« Signaler », end to end through the portal's and the admin's views: what may be
reported (only what she reads — and what she may not read is told exactly as what does
not exist), duplicates and the daily limit, bad input, the grouping of reports, and the
director's two decisions with their audit entries and what each person is told. A
refused action changes nothing: the state is compared before and after."""

import pytest
from django.core import mail
from django.test import Client
from wagtail.models import ModelLogEntry, Page, PageLogEntry

from assistance import selectors, services
from assistance.models import Report, ReportCase, ReportReason
from moderation.models import Message
from pages.publishing import UNPUBLISH_ACTION

S = ReportCase.Status


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state() -> dict:
    """Everything a report or a decision may change."""
    return {
        "cases": sorted(ReportCase.objects.values_list("pk", "status", "closed_at", "answer",
                                                       "last_report_at")),
        "reports": sorted(Report.objects.values_list("pk", "case_id", "reporter_id", "reason", "text")),
        "log": ModelLogEntry.objects.count(),
        "page_log": PageLogEntry.objects.count(),
        "live": sorted(Page.objects.filter(live=True).values_list("pk", flat=True)),
        "messages": sorted(Message.objects.values_list("pk", "status", "withdrawn_reason")),
    }


def report_url(page):
    return f"/signaler/publication/{page.pk}/"


def post_report(client, page, reason=ReportReason.ILLICIT, text="Des propos insultants envers une famille."):
    return client.post(report_url(page), {"reason": reason, "text": text})


# --- What may be reported --------------------------------------------------------------------


def test_a_reader_reports_what_she_reads(aworld):
    w = aworld
    client = client_for(w.parent)
    news = client.get(w.news_j.url)
    assert report_url(w.news_j) in news.content.decode()  # the « Signaler » link
    form = client.get(report_url(w.news_j))
    assert form.status_code == 200 and "Signaler la publication" in form.content.decode()
    response = post_report(client, w.news_j)
    assert response.status_code == 302 and response.url == "/signalements/"
    report = Report.objects.get()
    assert (report.reporter, report.page_id, report.reason) == (w.parent, w.news_j.pk, ReportReason.ILLICIT)
    assert report.revision_id == Page.objects.get(pk=w.news_j.pk).live_revision_id
    assert report.case.status == S.OPEN and report.case.title == w.news_j.title
    mine = client.get("/signalements/").content.decode()
    assert w.news_j.title in mine and "En cours d'examen" in mine


@pytest.mark.parametrize("who", ["parent_f", "staff_a"])
def test_what_she_may_not_read_is_told_as_what_does_not_exist(aworld, who):
    """parent.durand (Jules Ferry) and a Toulouse agent do not read Jaurès's community
    news; nobody but the staff reads the staff news. Same 404 as an id that exists for
    nobody; nothing is written."""
    w = aworld
    client = client_for(getattr(w, who))
    before = state()
    missing = Page.objects.order_by("-pk").first().pk + 1000
    for page_id in (w.news_j.pk, w.staff_j.pk, missing):
        assert client.get(f"/signaler/publication/{page_id}/").status_code == 404
        assert client.post(f"/signaler/publication/{page_id}/", {"reason": "illicit"}).status_code == 404
        with pytest.raises(services.Unreadable) as refused:
            services.report_publication(by=getattr(w, who), page_id=page_id, reason="illicit")
        assert str(refused.value) == selectors.NOT_FOUND
    # Nor a message delivered to someone else, nor a structural page (a space's home).
    assert client.get(f"/signaler/message/{w.message.pk}/").status_code == 404
    assert client.get(f"/signaler/publication/{w.space_j.pk}/").status_code == 404
    assert state() == before


def test_the_staff_reads_and_reports_its_staff_news_but_a_parent_does_not(aworld):
    w = aworld
    assert client_for(w.parent).get(report_url(w.staff_j)).status_code == 404
    assert client_for(w.teacher_j).get(report_url(w.staff_j)).status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_login_page(aworld):
    w = aworld
    before = state()
    response = Client().post(report_url(w.news_t), {"reason": "illicit"})
    assert response.status_code == 302 and response.url.startswith("/connexion/")
    assert "Signaler" not in Client().get(w.news_t.url).content.decode()
    assert state() == before


def test_an_unpublished_or_expired_publication_can_no_longer_be_reported(aworld):
    w = aworld
    page = Page.objects.get(pk=w.news_j.pk).specific
    page.unpublish()
    before = state()
    assert client_for(w.parent).get(report_url(w.news_j)).status_code == 404
    with pytest.raises(services.Unreadable):
        services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="illicit")
    assert state() == before


# --- Duplicates, the daily limit, bad input ----------------------------------------------


def test_she_cannot_report_the_same_publication_twice(aworld):
    w = aworld
    client = client_for(w.parent)
    post_report(client, w.news_j)
    before = state()
    again = client.get(report_url(w.news_j)).content.decode()
    assert "Vous avez déjà signalé la publication" in again
    response = post_report(client, w.news_j, text="Encore")
    assert response.status_code == 200
    with pytest.raises(services.Refused, match="déjà signalé"):
        services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="other", text="Encore")
    assert state() == before
    # Even once the case is closed: she was answered.
    services.case_close(by=w.director_j, case=ReportCase.objects.get(), answer="Vérifié.")
    before = state()
    with pytest.raises(services.Refused, match="déjà signalé"):
        services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="other", text="Encore")
    assert state() == before


def test_reports_are_limited_per_person_and_day(aworld, settings):
    w = aworld
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "content_report": (2, 24 * 3600)}
    services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="illicit")
    services.report_publication(by=w.parent, page_id=w.comm_a.pk, reason="illicit")
    before = state()
    response = post_report(client_for(w.parent), w.news_t)
    assert response.status_code == 200 and "beaucoup de signalements" in response.content.decode()
    assert state() == before
    # Someone else is not limited by her.
    services.report_publication(by=w.parent_f, page_id=w.news_t.pk, reason="illicit")


@pytest.mark.parametrize(("data", "error"), [
    ({"reason": "spam"}, "Choisissez le motif du signalement."),
    ({}, "Choisissez le motif du signalement."),
    ({"reason": "other", "text": "   "}, "Précisez ce qui pose problème."),
    ({"reason": "illicit", "text": "x" * 1001}, "1000"),
    ({"reason": "illicit", "text": "bad\x00byte"}, "caractère nul"),
])
def test_bad_input_is_refused_in_french_and_changes_nothing(aworld, data, error):
    w = aworld
    before = state()
    response = client_for(w.parent).post(report_url(w.news_j), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert state() == before


def test_the_reports_of_one_publication_are_grouped(aworld):
    w = aworld
    first = services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="illicit")
    second = services.report_publication(by=w.pupil_j2, page_id=w.news_j.pk, reason="child_data",
                                         text="Ma photo est publiée sans accord.")
    other = services.report_publication(by=w.parent, page_id=w.comm_a.pk, reason="neutrality")
    assert first.case_id == second.case_id != other.case_id
    listed = {c.pk: c.count for c in selectors.case_list(w.director_j).filter(status=S.OPEN)}
    assert listed == {first.case_id: 2}


# --- The director's decisions --------------------------------------------------------------


def test_the_director_unpublishes_from_the_report(aworld, django_capture_on_commit_callbacks):
    """parent.martin and a pupil report the teacher's news; the director reads who and
    why and what they saw, unpublishes it with a reason: the page goes off line, the
    reason is in the page's history and mailed to the author; the reporters are told it
    was withdrawn (with her answer), never the reason; everything is in the audit log."""
    w = aworld
    services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="illicit",
                                text="Des propos insultants envers une famille.")
    case = services.report_publication(by=w.pupil_j2, page_id=w.news_j.pk, reason="other",
                                       text="Ce n'est pas vrai.").case
    director = client_for(w.director_j)
    listing = director.get("/admin/assistance/signalements/").content.decode()
    assert w.news_j.title in listing
    detail = director.get(f"/admin/assistance/signalements/{case.pk}/").content.decode()
    assert w.parent.get_full_name() in detail and "Des propos insultants" in detail
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = director.post(f"/admin/assistance/signalements/{case.pk}/", {
            "action": "unpublish", "reason": "Propos inappropriés envers une famille.",
            "answer": "Merci de votre vigilance."})
    assert response.status_code == 302 and response.url == "/admin/assistance/signalements/"
    assert not Page.objects.get(pk=w.news_j.pk).live
    case.refresh_from_db()
    assert (case.status, case.closed_by, case.answer) == (S.UNPUBLISHED, w.director_j,
                                                          "Merci de votre vigilance.")
    assert list(PageLogEntry.objects.filter(page_id=w.news_j.pk, action=UNPUBLISH_ACTION)
                .values_list("user__username", "data")) == [
        ("directrice.jaures", {"reason": "Propos inappropriés envers une famille."})]
    assert list(ModelLogEntry.objects.for_instance(case).values_list("action", "user__username")
                .order_by("timestamp", "pk")) == [
        ("assistance.report", "parent.martin"), ("assistance.report", "eleve.nguyen"),
        ("assistance.case_unpublish", "directrice.jaures")]
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"enseignant.jaures@example.org", "parent.martin@example.org",
                                 "eleve.nguyen@example.org"}
    assert "Propos inappropriés" in by_recipient["enseignant.jaures@example.org"].body
    for reporter in ("parent.martin@example.org", "eleve.nguyen@example.org"):
        body = by_recipient[reporter].body
        assert "a retiré la publication" in body and "Merci de votre vigilance." in body
        assert "Propos inappropriés" not in body
    # The author is never told who reported, nor why.
    author_mail = by_recipient["enseignant.jaures@example.org"].body
    assert "parent.martin" not in author_mail and "Martin" not in author_mail
    assert "Des propos insultants" not in author_mail
    # The reporter sees the outcome on the portal.
    mine = client_for(w.parent).get("/signalements/").content.decode()
    assert "La publication a été retirée." in mine and "Merci de votre vigilance." in mine
    # A second decision is refused and changes nothing.
    before = state()
    again = director.post(f"/admin/assistance/signalements/{case.pk}/",
                          {"action": "close", "answer": "Rien."}, follow=True)
    assert "déjà été traité" in again.content.decode()
    assert state() == before


def test_the_director_keeps_the_publication_and_answers(aworld, django_capture_on_commit_callbacks):
    w = aworld
    case = services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="other",
                                       text="La date est fausse.").case
    director = client_for(w.director_j)
    before = state()
    empty = director.post(f"/admin/assistance/signalements/{case.pk}/", {"action": "close", "answer": ""})
    assert "Écrivez la réponse" in empty.content.decode()
    unknown = director.post(f"/admin/assistance/signalements/{case.pk}/", {"action": "delete"})
    assert unknown.status_code == 302
    assert state() == before
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        director.post(f"/admin/assistance/signalements/{case.pk}/",
                      {"action": "close", "answer": "La date est la bonne : mardi 14."})
    case.refresh_from_db()
    assert case.status == S.KEPT and Page.objects.get(pk=w.news_j.pk).live
    assert [m.to for m in mail.outbox] == [["parent.martin@example.org"]]
    assert "maintenue" in mail.outbox[0].body and "mardi 14" in mail.outbox[0].body
    assert "Examinée : la publication est maintenue." in client_for(w.parent).get(
        "/signalements/").content.decode()


@pytest.mark.parametrize("who", ["teacher_j", "director_f", "referent_a", "parent", "member"])
def test_only_the_handler_opens_and_decides_a_case(aworld, who):
    """The author (the teacher), another school's director, the référent ville, the
    reporter herself: the case is 404 in the admin (the reporter's identity stays with
    the director), their decisions are refused and change nothing."""
    w = aworld
    case = services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="illicit").case
    user = getattr(w, who)
    client = client_for(user)
    before = state()
    if who in ("parent", "member"):  # no admin access at all
        assert client.get(f"/admin/assistance/signalements/{case.pk}/").status_code == 302
    else:
        assert client.get(f"/admin/assistance/signalements/{case.pk}/").status_code == 404
        assert client.post(f"/admin/assistance/signalements/{case.pk}/", {
            "action": "unpublish", "reason": "Non."}).status_code == 404
        assert w.news_j.title not in client.get("/admin/assistance/signalements/").content.decode() \
            if selectors.may_handle_reports(user) else True
    with pytest.raises(services.Refused):
        services.case_unpublish(by=user, case=case, reason="Non.")
    with pytest.raises(services.Refused):
        services.case_close(by=user, case=case, answer="Non.")
    assert state() == before


def test_the_director_reads_the_revision_that_was_reported(aworld):
    """The author edits the item after the report: the case shows what the reporter read."""
    w = aworld
    case = services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="illicit").case
    page = Page.objects.get(pk=w.news_j.pk).specific
    page.title = "Sortie au musée (corrigée)"
    page.intro = "Texte revu"
    page.save_revision().publish()
    detail = client_for(w.director_j).get(f"/admin/assistance/signalements/{case.pk}/").content.decode()
    assert "<h3>Sortie au musée des Augustins</h3>" in detail
    assert "Texte revu" not in detail


def test_a_reported_association_message_is_retracted_from_the_inboxes(aworld,
                                                                    django_capture_on_commit_callbacks):
    w = aworld
    parent = client_for(w.parent)
    delivery = w.message.deliveries.get(recipient=w.parent)
    assert f"/signaler/message/{w.message.pk}/" in parent.get(f"/messages/{delivery.pk}/").content.decode()
    parent.post(f"/signaler/message/{w.message.pk}/", {"reason": "neutrality", "text": "Politique."})
    case = ReportCase.objects.get()
    assert case.message_id == w.message.pk
    assert Report.objects.get().message_version.number == w.message.version
    assert selectors.cases_handled_by(w.director_j).filter(pk=case.pk).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_unpublish(by=w.director_j, case=case, reason="Message politique.")
    message = Message.objects.get(pk=w.message.pk)
    assert message.status == Message.Status.WITHDRAWN and "Message politique." in message.withdrawn_reason
    assert w.message.subject not in parent.get("/messages/").content.decode()
    assert parent.get(f"/messages/{delivery.pk}/").status_code == 404
    assert ModelLogEntry.objects.for_instance(message).filter(action="moderation.retract").count() == 1
    to = sorted(m.to[0] for m in mail.outbox)
    assert "fcpe.jaures@example.org" in to  # the author, with the reason
    assert "parent.martin@example.org" in to  # the reporter, with the outcome


def test_unpublishing_needs_a_reason_and_changes_nothing_without_one(aworld):
    w = aworld
    case = services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="illicit").case
    before = state()
    response = client_for(w.director_j).post(f"/admin/assistance/signalements/{case.pk}/",
                                             {"action": "unpublish", "reason": "  "})
    assert response.status_code == 200 and "Indiquez le motif" in response.content.decode()
    with pytest.raises(Exception, match="motif"):
        services.case_unpublish(by=w.director_j, case=case, reason="")
    assert state() == before


def test_the_dashboard_counts_the_cases_that_wait(aworld):
    w = aworld
    services.report_publication(by=w.parent, page_id=w.news_j.pk, reason="illicit")
    services.report_publication(by=w.parent, page_id=w.comm_a.pk, reason="illicit")
    assert "<strong>1</strong> publication signalée à examiner" in client_for(
        w.director_j).get("/admin/").content.decode()
    assert "<strong>1</strong> publication signalée à examiner" in client_for(
        w.referent_a).get("/admin/").content.decode()
    assert "publication signalée" not in client_for(w.teacher_j).get("/admin/").content.decode()
