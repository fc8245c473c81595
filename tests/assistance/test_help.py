"""« Demander de l'aide », through the views: a parent asks her school from the page she
is on, the director answers in the admin, the parent reads the answer (portal and mail),
adds to it, closes it; bad input; nobody else opens a request."""

import pytest
from django.core import mail
from django.test import Client
from wagtail.models import ModelLogEntry

from assistance import services
from assistance.models import HelpMessage, HelpRequest

S = HelpRequest.Status


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state() -> dict:
    return {
        "requests": sorted(HelpRequest.objects.values_list("pk", "status", "school_id", "text")),
        "thread": sorted(HelpMessage.objects.values_list("pk", "request_id", "text")),
        "log": ModelLogEntry.objects.count(),
    }


def test_a_parent_asks_her_school_and_reads_the_answer(aworld, django_capture_on_commit_callbacks):
    w = aworld
    parent = client_for(w.parent)
    form = parent.get("/aide/nouvelle/?depuis=/mon-fil/?enfant=3").content.decode()
    assert "La direction de « École Jean Jaurès »" in form and "La direction de « École Jules Ferry »" in form
    assert 'value="/mon-fil/?enfant=3"' in form
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = parent.post("/aide/nouvelle/", {
            "destination": f"school:{w.school_f.pk}", "category": "access",
            "text": "Je ne vois pas les actualités de la classe de Hugo.", "depuis": "/mon-fil/?enfant=3",
        }, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari")
    help_request = HelpRequest.objects.get()
    assert response.status_code == 302 and response.url == f"/aide/{help_request.pk}/"
    assert (help_request.school, help_request.page_url, help_request.user_agent, help_request.status) == (
        w.school_f, "/mon-fil/?enfant=3", "Mozilla/5.0 (iPhone) Safari", S.OPEN)
    assert [m.to for m in mail.outbox] == [["directrice.ferry@example.org"]]
    detail = parent.get(f"/aide/{help_request.pk}/").content.decode()
    assert "La direction de « École Jules Ferry »" in detail and "En attente de réponse" in detail

    director = client_for(w.director_f)
    assert "Je ne vois pas les actualités" in director.get("/admin/assistance/aide/").content.decode()
    admin_page = director.get(f"/admin/assistance/aide/{help_request.pk}/").content.decode()
    assert "/mon-fil/?enfant=3" in admin_page and "iPhone" in admin_page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        director.post(f"/admin/assistance/aide/{help_request.pk}/",
                      {"text": "Hugo est bien inscrit en CP : reconnectez-vous."})
    help_request.refresh_from_db()
    assert help_request.status == S.ANSWERED
    assert [m.to for m in mail.outbox] == [["parent.martin@example.org"]]
    assert "reconnectez-vous" in mail.outbox[0].body
    detail = parent.get(f"/aide/{help_request.pk}/").content.decode()
    assert "reconnectez-vous" in detail and "Répondue" in detail

    # She adds to it: it waits again, and the director is told.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        parent.post(f"/aide/{help_request.pk}/", {"text": "Toujours rien ce matin."})
    help_request.refresh_from_db()
    assert help_request.status == S.OPEN
    assert [m.to for m in mail.outbox] == [["directrice.ferry@example.org"]]
    # She closes it; nothing more can be added.
    parent.post(f"/aide/{help_request.pk}/clore/")
    help_request.refresh_from_db()
    assert help_request.status == S.CLOSED and help_request.closed_at is not None
    before = state()
    response = parent.post(f"/aide/{help_request.pk}/", {"text": "Encore"})
    assert "close" in response.content.decode()
    with pytest.raises(services.Refused):
        services.help_answer(by=w.director_f, help_request=help_request, text="Encore")
    assert state() == before
    assert list(ModelLogEntry.objects.for_instance(help_request).values_list("action", flat=True)
                .order_by("timestamp", "pk")) == [
        "assistance.help_submit", "assistance.help_answer", "assistance.help_follow_up",
        "assistance.help_close"]


def test_the_page_it_was_sent_from_comes_from_the_referer_of_this_site_only(aworld):
    w = aworld
    teacher = client_for(w.teacher_j)
    form = teacher.get("/aide/nouvelle/", HTTP_REFERER="http://testserver/admin/pages/12/edit/")
    assert 'value="/admin/pages/12/edit/"' in form.content.decode()
    for referer in ("https://ailleurs.example.org/piege/", "javascript:alert(1)"):
        form = teacher.get("/aide/nouvelle/", HTTP_REFERER=referer).content.decode()
        assert "piege" not in form and "javascript" not in form
    for depuis in ("//ailleurs.example.org/", "https://ailleurs.example.org/", "javascript:alert(1)"):
        assert services.clean_page_url(depuis) == ""
    teacher.post("/aide/nouvelle/", {"destination": "academie", "category": "technical",
                                     "text": "Erreur", "depuis": "https://ailleurs.example.org/"})
    assert HelpRequest.objects.get().page_url == ""


NOT_OFFERED = "parmi ce qui vous est proposé"


@pytest.mark.parametrize(("data", "error"), [
    ({"destination": "academie", "category": "access", "text": "Bonjour"}, NOT_OFFERED),
    ({"destination": "school:999999", "category": "access", "text": "Bonjour"}, NOT_OFFERED),
    ({"destination": "{school_j}", "category": "fun", "text": "Bonjour"}, "Choisissez la catégorie"),
    ({"destination": "{school_j}", "category": "access", "text": "  "}, "Décrivez votre demande."),
    ({"destination": "{school_j}", "category": "access", "text": "x" * 4001}, "4000"),
])
def test_bad_input_is_refused_in_french_and_changes_nothing(aworld, data, error):
    w = aworld
    data = {k: v.format(school_j=f"school:{w.school_j.pk}") for k, v in data.items()}
    before = state()
    response = client_for(w.parent).post("/aide/nouvelle/", data)
    assert response.status_code == 200 and error in response.content.decode()
    assert state() == before


def test_help_requests_are_limited_per_person_and_day(aworld, settings):
    w = aworld
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "help_request": (1, 24 * 3600)}
    services.help_request_submit(by=w.teacher_j, destination="academie", category="access", text="Un")
    before = state()
    response = client_for(w.teacher_j).post("/aide/nouvelle/", {
        "destination": "academie", "category": "access", "text": "Deux"})
    assert "beaucoup de demandes" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("who", ["parent_f", "director_j", "teacher_j", "referent_a"])
def test_nobody_else_opens_or_answers_a_request(aworld, who):
    """A request of parent.martin to Jules Ferry: another parent, another school's director,
    a teacher, the référent ville — 404 on the portal and in the admin; refused by the
    services, nothing changes."""
    w = aworld
    help_request = services.help_request_submit(by=w.parent, destination=f"school:{w.school_f.pk}",
                                                category="access", text="Question privée")
    user = getattr(w, who)
    client = client_for(user)
    before = state()
    assert client.get(f"/aide/{help_request.pk}/").status_code == 404
    assert client.post(f"/aide/{help_request.pk}/clore/").status_code == 404
    admin = client.get(f"/admin/assistance/aide/{help_request.pk}/")
    # Not hers (404), or no admin at all (a parent: to the login page).
    assert admin.status_code == 404 or (who == "parent_f" and admin.url.startswith("/connexion/"))
    assert "Question privée" not in client.get("/admin/assistance/aide/").content.decode()
    for action in (lambda: services.help_answer(by=user, help_request=help_request, text="Non"),
                   lambda: services.help_close(by=user, help_request=help_request)):
        with pytest.raises(services.Refused):
            action()
    with pytest.raises(services.Refused):
        services.help_follow_up(by=user, help_request=help_request, text="Non")
    assert state() == before


def test_the_admin_menu_offers_help_from_the_page_one_is_on(aworld):
    w = aworld
    dashboard = client_for(w.teacher_j).get("/admin/").content.decode()
    assert "/aide/nouvelle/?depuis=%2Fadmin%2F" in dashboard
    director = client_for(w.director_j).get("/admin/").content.decode()
    assert "/admin/assistance/signalements/" in director and "/admin/assistance/aide/" in director
    assert "/admin/assistance/signalements/" not in dashboard
