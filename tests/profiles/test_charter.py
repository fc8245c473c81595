"""The charter: acceptance, versions (substantial or minor), the pupil text,
declining, the cache behind the gate."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import ModelLogEntry

from profiles import selectors, services
from profiles.models import CharterAcceptance, NationalProfile as P
from tests.factories import CharterFactory, UserFactory

pytestmark = pytest.mark.django_db

GATED = "/mes-donnees/"


def is_gated(client) -> bool:
    response = client.get(GATED)
    return response.status_code == 302 and response["Location"].startswith("/charte/")


@pytest.fixture
def teacher(client):
    user = UserFactory(profiles=[P.TEACHER])
    client.force_login(user)
    return user


def test_without_any_charter_everybody_passes(client, teacher):
    assert not is_gated(client)
    assert client.get(GATED).status_code == 200


def test_accepting_records_who_which_version_when_and_lands_where_she_was_going(client, teacher):
    charter = CharterFactory(version=1)
    response = client.get("/ecoles/")
    assert response["Location"] == "/charte/?next=%2Fecoles%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Texte pour les adultes, version 1" in page.content.decode()
    response = client.post("/charte/", {"action": "accept", "charter": charter.pk, "next": "/ecoles/"})
    assert response.status_code == 302
    assert response["Location"] == "/ecoles/"
    acceptance = CharterAcceptance.objects.get()
    assert (acceptance.user, acceptance.charter) == (teacher, charter)
    assert abs(acceptance.accepted_at - timezone.now()) < datetime.timedelta(minutes=1)
    # Nothing more than needed: who, which version, when.
    assert {f.name for f in CharterAcceptance._meta.concrete_fields} == {
        "id", "user", "charter", "accepted_at"
    }
    assert not is_gated(client)


def test_next_cannot_leave_the_portal(client, teacher):
    charter = CharterFactory(version=1)
    response = client.post(
        "/charte/", {"action": "accept", "charter": charter.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_substantial_version_requires_acceptance_again_a_minor_one_does_not(client, teacher):
    v1 = CharterFactory(version=1)
    services.charter_accept(user=teacher, charter=v1)
    assert not is_gated(client)

    CharterFactory(version=2, requires_reacceptance=False)  # a typo fixed
    assert not is_gated(client)

    v3 = CharterFactory(version=3, requires_reacceptance=True)  # a substantial change
    assert is_gated(client)
    services.charter_accept(user=teacher, charter=v3)
    assert not is_gated(client)


def test_a_newcomer_accepts_the_current_minor_version(client, teacher):
    CharterFactory(version=1)
    v2 = CharterFactory(version=2, requires_reacceptance=False)
    assert is_gated(client)
    page = client.get("/charte/")
    assert f'name="charter" value="{v2.pk}"' in page.content.decode()
    client.post("/charte/", {"action": "accept", "charter": v2.pk})
    assert not is_gated(client)


def test_drafts_and_future_versions_are_not_in_force(client, teacher):
    v1 = CharterFactory(version=1)
    services.charter_accept(user=teacher, charter=v1)
    CharterFactory(version=2, live=False)
    CharterFactory(version=3, effective_at=timezone.now() + datetime.timedelta(days=3))
    assert selectors.charter_current() == v1
    assert not is_gated(client)


def test_publishing_a_new_version_in_the_admin_clears_the_cache(client, teacher):
    v1 = CharterFactory(version=1)
    services.charter_accept(user=teacher, charter=v1)
    assert not is_gated(client)  # the cache now says "version 1 is required"
    draft = CharterFactory(version=2, live=False)
    assert not is_gated(client)
    draft.save_revision().publish()
    assert is_gated(client)


def test_only_the_charter_in_force_can_be_accepted(teacher):
    v1 = CharterFactory(version=1)
    CharterFactory(version=2)
    with pytest.raises(ValidationError):
        services.charter_accept(user=teacher, charter=v1)


def test_pupils_read_the_pupil_version(client):
    CharterFactory(version=1)
    pupil = UserFactory(profiles=[P.PUPIL])
    client.force_login(pupil)
    html = client.get("/charte/").content.decode()
    assert "Texte pour les élèves, version 1" in html
    assert "Texte pour les adultes" not in html


def test_a_pupil_with_an_adult_profile_reads_the_adult_version(client):
    CharterFactory(version=1)
    client.force_login(UserFactory(profiles=[P.PUPIL, P.TEACHER]))
    assert "Texte pour les adultes, version 1" in client.get("/charte/").content.decode()


def test_anonymous_visitors_read_the_adult_version_without_a_form(client):
    CharterFactory(version=1)
    html = client.get("/charte/").content.decode()
    assert "Texte pour les adultes, version 1" in html
    assert 'value="accept"' not in html


def test_declining_logs_her_out_and_names_her_school_director(client, world):
    charter = CharterFactory(version=1)
    client.force_login(world.parent)
    response = client.post("/charte/", {"action": "decline", "charter": charter.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vous avez refusé la charte" in html
    assert world.director_j.get_full_name() in html  # through her child's school
    assert "_auth_user_id" not in client.session
    assert not CharterAcceptance.objects.exists()
    assert ModelLogEntry.objects.filter(action="profiles.charter_decline", user_id=world.parent.pk).exists()
    assert client.get("/mes-donnees/")["Location"].startswith("/connexion/")


def test_the_gate_costs_one_cache_round_trip_when_warm(teacher, django_assert_num_queries):
    v1 = CharterFactory(version=1)
    services.charter_accept(user=teacher, charter=v1)
    selectors.charter_gate_passes(teacher)  # warm the cache
    with django_assert_num_queries(0):
        assert selectors.charter_gate_passes(teacher)


def test_a_version_coming_into_force_expires_the_cached_state(client, teacher):
    """Nobody saves a charter when the next version's date comes: the cached state
    expires by itself then. Real time passes here (about two seconds); nothing
    clears the cache by hand."""
    import time

    from django.core.cache import cache

    v1 = CharterFactory(version=1)
    services.charter_accept(user=teacher, charter=v1)
    in_force_at = timezone.now() + datetime.timedelta(seconds=1)
    CharterFactory(version=2, effective_at=in_force_at)
    assert not is_gated(client)
    assert cache.get(selectors.CHARTER_STATE_KEY) == 1  # cached: "version 1 is required"
    assert not is_gated(client)  # answered from the cache
    time.sleep(max(0, (in_force_at - timezone.now()).total_seconds()) + 1.2)
    # Version 2 is in force now; the cached state has expired with it.
    assert is_gated(client)
    assert cache.get(selectors.CHARTER_STATE_KEY) == 2


def test_a_director_who_declines_is_not_told_to_contact_herself(world):
    charter = CharterFactory(version=1)
    assert services.charter_decline(user=world.director_j, charter=charter) == []
    contacts = services.charter_decline(user=world.teacher_j, charter=charter)
    assert [grant.user for grant in contacts] == [world.director_j]
