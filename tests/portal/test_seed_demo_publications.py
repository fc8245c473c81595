"""seed_demo's publications (issue 7, « Demo data »): what each demo user finds, through
the one visibility selector and over HTTP, and the states a demo item is in (expired,
scheduled, waiting for the director, unpublished with a reason).

The demo is loaded once for the module, inside a transaction rolled back at its end;
each test runs in its own savepoint."""

import html

import pytest
from django.utils import timezone
from wagtail.models import Page, PageLogEntry, WorkflowState

from pages.models import Audience, EventPage, NewsPage, StandardPage
from pages.publishing import unpublish_reasons
from pages.visibility import forget_reader, reader_for as visibility_reader, visible_pages
from profiles import selectors, services
from profiles.models import User

PRESENTATIONS = {f"presentation:{k}" for k in ("jaures", "tilleuls", "ferry", "curie")}
PUBLIC = PRESENTATIONS | {"inscriptions-cp-rentree"}
# La Bastide (Toulouse) is not enrolled this year (enrolment/): its public presentation is
# read by académie staff only, until referent.toulouse enrols it.
BASTIDE = "presentation:bastide"
JAURES_LIVE = {
    "inscriptions-cp-rentree", "nouveaux-horaires-bcd", "cantine-menus-periscolaire",
    "conseil-des-maitres", "sortie-musee-augustins-cm1a", "reunion-parents-professeurs",
    "kermesse",
}
NOT_LIVE = {"greve-accueil-jeudi", "photos-de-classe", "sortie-cite-espace-cm1a", "vente-gateaux"}
OTHERS_LIVE = {"semaine-du-gout", "classe-decouverte-cm2", "centres-de-loisirs-printemps"}

# What each demo user may read among the demo's publications (README.md says the same).
EXPECTED = {
    None: PUBLIC,
    "parent.martin": PUBLIC | {
        "nouveaux-horaires-bcd", "cantine-menus-periscolaire", "sortie-musee-augustins-cm1a",
        "reunion-parents-professeurs", "kermesse", "semaine-du-gout",
        "centres-de-loisirs-printemps",
    },
    "parent.durand": PUBLIC | {"classe-decouverte-cm2"},
    "eleve.martin": PUBLIC | {"nouveaux-horaires-bcd", "sortie-musee-augustins-cm1a", "kermesse"},
    "eleve.nguyen": PUBLIC | {"nouveaux-horaires-bcd", "kermesse"},  # CE2 B: not the CM1 A's
    "eleve.durand": PUBLIC,  # a pupil: not her school's parents-only news
    "enseignant.jaures": PUBLIC | JAURES_LIVE,
    "directrice.jaures": PUBLIC | JAURES_LIVE,
    "directeur.tilleuls": PUBLIC | {"semaine-du-gout"},
    "directrice.ferry": PUBLIC | {"classe-decouverte-cm2"},
    "enseignante.curie": PUBLIC,
    "referent.toulouse": PUBLIC | {"centres-de-loisirs-printemps"},
    "agent.toulouse": PUBLIC | {"centres-de-loisirs-printemps"},
    "admin": PUBLIC | JAURES_LIVE | OTHERS_LIVE | {BASTIDE},
    "agent.academie": PUBLIC | JAURES_LIVE | OTHERS_LIVE | {BASTIDE},
}

JAURES = "/ecoles/ecole-elementaire-jean-jaures-toulouse/"
NEWS_J = JAURES + "actualites/"
NEWS_F = "/ecoles/ecole-primaire-jules-ferry-albi/actualites/"
NEWS_T = "/communes/toulouse/actualites/"


def label(page) -> str:
    if page.slug == "presentation":
        return "presentation:" + next(
            k for k in ("jaures", "tilleuls", "ferry", "curie", "bastide") if k in page.url_path)
    return page.slug


def demo_publications():
    """The demo's publications: the items of the « Actualités » and the pages of the spaces."""
    return Page.objects.type(NewsPage, EventPage, StandardPage)


def seen_by(user) -> set[str]:
    return {label(p) for p in visible_pages(user, demo_publications())}


def user(username) -> User:
    found = User.objects.get(username=username)
    forget_reader(found)
    return found


def text(response) -> str:
    assert response.status_code == 200, response
    return html.unescape(response.content.decode())


def logged_in(client, username):
    found = user(username)
    services.charter_accept(user=found, charter=selectors.charter_current())
    client.force_login(found)
    return found


@pytest.mark.parametrize("username", list(EXPECTED), ids=lambda u: u or "anonyme")
def test_each_demo_user_reads_exactly_her_publications(demo, db, username):
    from django.contrib.auth.models import AnonymousUser

    reader = user(username) if username else AnonymousUser()
    assert seen_by(reader) == EXPECTED[username]


def test_the_demo_has_each_audience_in_jean_jaures(demo, db):
    audiences = set()
    for model in (NewsPage, EventPage):
        items = model.objects.filter(url_path__contains="/ecole-elementaire-jean-jaures-toulouse/")
        audiences |= set(items.live().values_list("audience", flat=True))
    assert audiences == set(Audience.values)
    # Every demo publication is either in EXPECTED or known not to be live.
    everything = {label(p) for p in demo_publications()}
    assert everything == PUBLIC | JAURES_LIVE | OTHERS_LIVE | NOT_LIVE | {BASTIDE}
    cm1 = NewsPage.objects.get(slug="sortie-musee-augustins-cm1a")
    assert [c.name for c in cm1.audience_classes.all()] == ["CM1 A"]
    # A body is a StreamField of sanitised text blocks.
    assert cm1.body[0].block_type == "text"
    assert "<p>Départ en métro" in cm1.body[0].value.source


def test_a_school_presentation_is_public(demo, db, client):
    for page in StandardPage.objects.filter(slug="presentation"):
        assert page.audience == Audience.PUBLIC and page.live
        if "bastide" in page.url_path:  # not enrolled: for académie staff only
            assert client.get(page.url).status_code == 302
        else:
            assert client.get(page.url).status_code == 200


def test_the_demo_enrolments(demo, db, client):
    """Toulouse's convention sent (Jaurès, Les Tilleuls), Albi's paid, Montpellier's signed
    by the rector; La Bastide not enrolled, therefore inactive; referent.toulouse adds it and
    its space opens."""
    from enrolment import services as enrolment
    from enrolment.models import Enrolment, Status
    from profiles.models import School

    states = {e.collectivity.name: e.status for e in Enrolment.objects.select_related("collectivity")}
    assert states == {"Toulouse": Status.SENT, "Albi": Status.PAID, "Montpellier": Status.SIGNED_RECTOR}
    active = dict(School.objects.values_list("name", "portal_active"))
    assert active.pop("École élémentaire La Bastide") is False and all(active.values())
    toulouse = Enrolment.objects.get(collectivity__name="Toulouse")
    bastide = School.objects.get(name="École élémentaire La Bastide")
    enrolment.enrolment_change_schools(by=user("referent.toulouse"), enrolment=toulouse, school_ids=[
        *toulouse.schools.values_list("school_id", flat=True), bastide.pk])
    page = StandardPage.objects.get(slug="presentation", url_path__contains="bastide")
    assert client.get(page.url).status_code == 200


def test_the_expired_item_was_unpublished_by_publish_scheduled(demo, db):
    page = NewsPage.objects.get(slug="greve-accueil-jeudi")
    assert not page.live and page.expired
    assert page.expire_at < timezone.now()
    assert PageLogEntry.objects.filter(page=page, action="wagtail.unpublish.scheduled").exists()
    assert PageLogEntry.objects.filter(page=page, action="wagtail.publish").exists()


def test_the_scheduled_item_waits_for_its_date(demo, db):
    page = NewsPage.objects.get(slug="photos-de-classe")
    assert not page.live and page.go_live_at > timezone.now()
    revision = page.latest_revision
    assert revision.approved_go_live_at == page.go_live_at
    assert PageLogEntry.objects.filter(page=page, action="wagtail.publish.schedule").exists()


def test_the_teacher_draft_waits_for_the_director(demo, db):
    page = NewsPage.objects.get(slug="sortie-cite-espace-cm1a")
    teacher, director = user("enseignant.jaures"), user("directrice.jaures")
    assert not page.live and page.owner == teacher
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == teacher
    assert state.workflow == page.get_workflow()
    # Directrice Jaurès decides (and only she: not another school's director, not the author).
    task = state.current_task_state.task.specific
    assert state.current_task_state in task.get_task_states_user_can_moderate(director)
    assert [name for name, *_ in task.get_actions(page, director)] == ["reject", "approve"]
    for other in (user("directrice.ferry"), teacher):
        assert state.current_task_state not in task.get_task_states_user_can_moderate(other)
        assert task.get_actions(page, other) == []


def test_the_unpublished_item_keeps_its_reason(demo, db):
    page = NewsPage.objects.get(slug="vente-gateaux")
    assert not page.live and page.first_published_at is not None
    [(_when, by, reason)] = unpublish_reasons(page)
    assert by.username == "directrice.jaures"
    assert reason == "Date erronée : la vente est reportée, une nouvelle annonce suivra."


def test_parent_martin_over_http(demo, db, client):
    logged_in(client, "parent.martin")
    listing = text(client.get(NEWS_J))
    for title in ("Réunion parents-professeurs", "Cantine et périscolaire",
                  "Les CM1 A au musée des Augustins", "Inscriptions en CP"):
        assert title in listing
    for title in ("Conseil des maîtres", "Photos de classe", "Grève de jeudi",
                  "Cité de l'espace", "Vente de gâteaux"):
        assert title not in listing
    assert client.get(NEWS_J + "reunion-parents-professeurs/").status_code == 200
    assert client.get(NEWS_T + "centres-de-loisirs-printemps/").status_code == 200
    # Albi's parents-only news and Jean Jaurès's staff news: as if they did not exist.
    assert client.get(NEWS_F + "classe-decouverte-cm2/").status_code == 404
    assert client.get(NEWS_J + "conseil-des-maitres/").status_code == 404
    assert "Classe découverte" not in text(client.get(NEWS_F))


def test_parent_martin_mon_fil(demo, db, client, django_assert_max_num_queries):
    martin = logged_in(client, "parent.martin")
    client.get("/mon-fil/")  # the charter gate's cache warms up
    with django_assert_max_num_queries(10):  # issue 7: at most 10 for a logged-in reader's page
        feed = text(client.get("/mon-fil/"))
    # Her two children's schools and their commune, nothing else.
    for title in ("Réunion parents-professeurs", "Kermesse de l'école",
                  "La semaine du goût en maternelle", "Centres de loisirs des vacances de printemps",
                  "Les CM1 A au musée des Augustins"):
        assert title in feed
    for title in ("Classe découverte", "Conseil des maîtres", "Photos de classe", "Grève de jeudi",
                  "Cité de l'espace", "Vente de gâteaux"):
        assert title not in feed
    # Narrowed to Hugo (Les Tilleuls): his school and the commune, not Léa's.
    hugo = User.objects.get(username="eleve.hugo.martin")
    assert hugo.pk in {c.pupil_id for c in visibility_reader(martin).children}
    narrowed = text(client.get(f"/mon-fil/?enfant={hugo.pk}"))
    assert "La semaine du goût en maternelle" in narrowed
    assert "Centres de loisirs des vacances de printemps" in narrowed
    assert "Réunion parents-professeurs" not in narrowed


def test_parent_durand_over_http(demo, db, client):
    logged_in(client, "parent.durand")
    assert client.get(NEWS_F + "classe-decouverte-cm2/").status_code == 200
    assert client.get(NEWS_T + "centres-de-loisirs-printemps/").status_code == 404
    assert client.get(NEWS_J + "reunion-parents-professeurs/").status_code == 404
    assert client.get(NEWS_J + "inscriptions-cp-rentree/").status_code == 200
    feed = text(client.get("/mon-fil/"))
    assert "Classe découverte des CM2" in feed
    assert "Centres de loisirs" not in feed and "Réunion parents-professeurs" not in feed


def test_teacher_and_pupil_mon_fil(demo, db, client):
    logged_in(client, "enseignant.jaures")
    feed = text(client.get("/mon-fil/"))
    for title in ("Conseil des maîtres", "Cantine et périscolaire", "Les CM1 A au musée",
                  "Kermesse de l'école"):
        assert title in feed
    assert "Centres de loisirs" not in feed and "Classe découverte" not in feed
    logged_in(client, "eleve.martin")
    feed = text(client.get("/mon-fil/"))
    for title in ("La bibliothèque de l'école change d'horaires", "Kermesse de l'école",
                  "Les CM1 A au musée des Augustins"):
        assert title in feed
    for title in ("Cantine et périscolaire", "Réunion parents-professeurs", "Conseil des maîtres"):
        assert title not in feed


def test_anonymous_over_http(demo, db, client):
    assert client.get(NEWS_J + "inscriptions-cp-rentree/").status_code == 200
    response = client.get(NEWS_J + "kermesse/")
    assert response.status_code == 302
    assert response["Location"] == f"/connexion/?next={NEWS_J}kermesse/"
    listing = text(client.get(NEWS_J))
    assert "Inscriptions en CP" in listing and "Kermesse" not in listing
