"""Bad input gets a clear French error and changes nothing — never a server error.

Each case is posted through the door a user really uses (the Wagtail admin forms,
the charter page), as the user who may use it; each asserts the state before and
after, not only the message. The test client re-raises a view's exception, so a
server error fails these tests with the traceback."""

import datetime
import json

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.models import ModelLogEntry, Page, PageLogEntry, Revision

from portal.fields import UNREADABLE_RICH_TEXT_MESSAGE
from profiles import selectors, services
from profiles.models import Charter, CharterAcceptance, DataRequest, NationalProfile as P, Role, RoleGrant
from tests.factories import CharterFactory, DataRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

# The French message as the HTML shows it (the apostrophe is escaped).
UNREADABLE_HTML = UNREADABLE_RICH_TEXT_MESSAGE.replace("'", "&#x27;")[:40]


def contentstate(text: str) -> str:
    """What Draftail posts for one paragraph."""
    return json.dumps({
        "blocks": [{"key": "a1b2c", "type": "unstyled", "depth": 0, "text": text,
                    "inlineStyleRanges": [], "entityRanges": [], "data": {}}],
        "entityMap": {},
    })


# Values an editor never produces: not JSON, JSON of another shape, too deep to parse.
UNREADABLE = [
    "not json",
    "<p>du HTML au lieu du format de l'éditeur</p>",
    '"abc"',
    "[1, 2]",
    '{"blocks": "abc", "entityMap": {}}',
    '{"blocks": [{"type": "unstyled", "text": 3, "depth": 0, "inlineStyleRanges": [],'
    ' "entityRanges": [{"key": 9, "offset": 0, "length": 1}]}], "entityMap": {}}',
    "[" * 100_000,
]


def page_state(page_id):
    page = Page.objects.get(pk=page_id).specific
    return {
        "title": page.title,
        "body": page.body,
        "revisions": Revision.objects.filter(object_id=str(page_id)).count(),
        "logs": PageLogEntry.objects.filter(page_id=page_id).count(),
    }


# --- Rich text that the editor cannot read ----------------------------------------


def page_form(page, text):
    """The page form with its body: one text block of the stream, whose rich text is `text`
    as the editor posts it."""
    return {"title": "Titre changé", "slug": page.slug, "intro": "", "audience": "public",
            "body-count": "1", "body-0-type": "text", "body-0-deleted": "", "body-0-order": "0",
            "body-0-id": "", "body-0-value": text, "action-publish": "action-publish"}


def test_a_page_form_with_valid_rich_text_is_saved(client, world):
    """The form data used below is complete: with a readable body it is saved."""
    client.force_login(world.director_j)
    response = client.post(f"/admin/pages/{world.page_j.pk}/edit/",
                           page_form(world.page_j, contentstate("Bonjour")))
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{world.space_j.pk}/"
    page = Page.objects.get(pk=world.page_j.pk).specific
    assert page.title == "Titre changé"
    assert [(b.block_type, b.value.source) for b in page.body] == [("text", "<p>Bonjour</p>")]


@pytest.mark.parametrize("body", UNREADABLE, ids=range(len(UNREADABLE)))
def test_unreadable_rich_text_in_a_page_form_is_refused_in_french(client, world, body):
    client.force_login(world.director_j)
    before = page_state(world.page_j.pk)
    response = client.post(f"/admin/pages/{world.page_j.pk}/edit/", page_form(world.page_j, body))
    assert response.status_code == 200
    # The text block's error, in the stream's error data the admin shows.
    assert UNREADABLE_RICH_TEXT_MESSAGE in str(
        response.context["form"].errors.as_data()["body"][0].block_errors[0].messages
    )
    assert "Le contenu mis en forme n" in response.content.decode()  # shown to her
    assert page_state(world.page_j.pk) == before


@pytest.mark.parametrize("body", UNREADABLE[:3], ids=range(3))
def test_unreadable_rich_text_in_a_call_out_is_refused_in_french(client, world, body):
    client.force_login(world.director_j)
    before = page_state(world.page_j.pk)
    data = page_form(world.page_j, "")
    del data["body-0-value"]
    data.update({"body-0-type": "callout", "body-0-value-kind": "info", "body-0-value-text": body})
    response = client.post(f"/admin/pages/{world.page_j.pk}/edit/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["body"][0].block_errors[0].block_errors
    assert errors["text"].messages == [UNREADABLE_RICH_TEXT_MESSAGE]
    assert page_state(world.page_j.pk) == before


def charter_form(text_adult, version=2):
    return {"version": version, "title": "Charte d'utilisation de l'ENT-école",
            "effective_at": "2030-09-01 08:00", "requires_reacceptance": "on",
            "text_adult": text_adult, "text_pupil": contentstate("Pour les élèves")}


def test_a_charter_form_with_valid_rich_text_is_saved(client, world):
    client.force_login(world.admin)
    response = client.post("/admin/snippets/profiles/charter/add/",
                           charter_form(contentstate("Pour les adultes")))
    assert response.status_code == 302
    charter = Charter.objects.get(version=2)
    assert response["Location"] == f"/admin/snippets/profiles/charter/edit/{charter.pk}/"
    assert "Pour les adultes" in charter.text_adult


@pytest.mark.parametrize("text", UNREADABLE[:4], ids=range(4))
def test_unreadable_rich_text_in_the_charter_form_is_refused_in_french(client, world, text):
    CharterFactory(version=1)
    services.charter_accept(user=world.admin, charter=selectors.charter_current())
    client.force_login(world.admin)
    before = (list(Charter.objects.values_list("pk", "version", "text_adult")),
              Revision.objects.count(), ModelLogEntry.objects.count())
    response = client.post("/admin/snippets/profiles/charter/add/", charter_form(text))
    assert response.status_code == 200
    assert UNREADABLE_HTML in response.content.decode()
    assert (list(Charter.objects.values_list("pk", "version", "text_adult")),
            Revision.objects.count(), ModelLogEntry.objects.count()) == before


# --- Role grants with dates nobody means ----------------------------------------------


def grant_state():
    return (list(RoleGrant.objects.order_by("pk").values_list("pk", "user", "starts_at", "ends_at")),
            ModelLogEntry.objects.count())


@pytest.mark.parametrize("starts_at", ["0001-01-01 00:00", "1900-01-01 00:00", "9999-12-31 23:59"])
def test_a_role_grant_starting_at_an_implausible_date_is_refused_in_french(client, world, starts_at):
    client.force_login(world.admin)
    newcomer = UserFactory(profiles=[P.COLLECTIVITY])
    before = grant_state()
    response = client.post("/admin/roles/new/", {
        "user": newcomer.pk, "role": Role.PUBLISHER, "collectivity": world.commune_b.pk,
        "starts_at": starts_at,
    })
    assert response.status_code == 200
    assert "La date de début" in response.content.decode()
    assert "n&#x27;est pas plausible" in response.content.decode()
    assert grant_state() == before


def test_a_role_grant_starting_at_a_plausible_date_is_saved(client, world):
    client.force_login(world.admin)
    newcomer = UserFactory(profiles=[P.COLLECTIVITY])
    response = client.post("/admin/roles/new/", {
        "user": newcomer.pk, "role": Role.PUBLISHER, "collectivity": world.commune_b.pk,
        "starts_at": "2026-09-01 08:00",
    })
    assert response.status_code == 302
    assert response["Location"] == "/admin/roles/"
    assert RoleGrant.objects.filter(user=newcomer, role=Role.PUBLISHER).exists()


@pytest.mark.parametrize("ends_at", ["0001-01-01 00:00", "9999-12-31 23:59"])
def test_ending_a_grant_at_an_implausible_date_is_refused_in_french(client, world, ends_at):
    client.force_login(world.admin)
    grant = RoleGrant.objects.open().get(role=Role.PUBLISHER, collectivity=world.commune_a)
    before = grant_state()
    response = client.post(f"/admin/roles/edit/{grant.pk}/", {"ends_at": ends_at})
    assert response.status_code == 200
    assert "La date de fin" in response.content.decode()
    assert grant_state() == before


def test_the_role_grant_service_refuses_an_implausible_date_in_french(world):
    from django.core.exceptions import ValidationError

    newcomer = UserFactory(profiles=[P.COLLECTIVITY])
    before = grant_state()
    for starts_at, ends_at in (
        (datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), None),
        (timezone.now(), datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.UTC)),
    ):
        with pytest.raises(ValidationError) as exc:
            services.role_grant(role=Role.PUBLISHER, user=newcomer, collectivity=world.commune_b,
                                starts_at=starts_at, ends_at=ends_at)
        assert "n'est pas plausible" in " ".join(exc.value.messages)
    assert grant_state() == before


# --- The charter page with a charter id that is not one ----------------------------


@pytest.mark.parametrize(
    "posted", ["abc", "", "1.5", "-1", "99999999999999999999", "١", None, "draft"],
)
def test_accepting_a_charter_that_is_not_one_is_refused_in_french(client, world, posted):
    CharterFactory(version=1)
    draft = CharterFactory(version=2, live=False)
    client.force_login(world.parent)
    data = {"action": "accept", "next": "/ecoles/?page=2&tri=date"}
    if posted is not None:
        data["charter"] = draft.pk if posted == "draft" else posted
    response = client.post("/charte/", data)
    assert response.status_code == 302
    assert response["Location"] == "/charte/?next=%2Fecoles%2F%3Fpage%3D2%26tri%3Ddate"
    assert not CharterAcceptance.objects.exists()
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "la charte" in html and 'class="error"' in html
    assert "n&#x27;" in html  # a French sentence, not a bare code
    assert 'value="accept"' in html  # she is asked again
    assert client.get("/mes-donnees/")["Location"].startswith("/charte/")  # still gated


# --- Answering an RGPD request twice ------------------------------------------------


def test_answering_a_closed_rgpd_request_again_is_refused_in_french(client, world):
    request = DataRequestFactory(user=world.parent, school=world.school_j)
    services.data_request_close(data_request=request, by=world.director_j, status="done",
                                response="Corrigé dans l'annuaire.")
    mail.outbox.clear()
    before = (DataRequest.objects.filter(pk=request.pk).values().get(), ModelLogEntry.objects.count())
    client.force_login(world.director_j)
    response = client.post(f"/admin/demandes-rgpd/edit/{request.pk}/",
                           {"status": "refused", "response": "Finalement non."})
    assert response.status_code == 200
    assert "Cette demande a déjà été traitée." in response.content.decode()
    assert (DataRequest.objects.filter(pk=request.pk).values().get(),
            ModelLogEntry.objects.count()) == before
    assert mail.outbox == []
