"""Account activation: the director of publication prints a class's codes, the person
activates her account on /activer/ with hers, then logs in. Codes serve once, expire,
are replaced by newer ones, are never stored in clear; only the people attached this
year to a school she directs get codes from her; attempts are limited per address."""

import re
import threading
import time
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from profiles import activation, services
from profiles.activation import CODE_REFUSAL
from profiles.models import ActivationCode, Attachment, NationalProfile as P, Role, User
from tests.factories import CharterFactory, SchoolClassFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db
K = Attachment.Kind
PASSWORD = "Cartable-Bleu-2027"
SLIP = re.compile(
    r'class="slip-name">([^<]+)</h2>\s*<p class="slip-role">([^<]+)</p>.*?'
    r'class="slip-login">([^<]+)</dd>.*?class="slip-code">([^<]+)</dd>', re.S
)
CODE_FORMAT = re.compile(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{2}")
INDEX = "/admin/codes-activation/"


def print_url(school_class) -> str:
    return f"/admin/codes-activation/classes/{school_class.pk}/imprimer/"


def imported(username, profiles, **fields) -> User:
    """An account as the directory import makes it: national id, no usable password."""
    user = UserFactory(username=username, profiles=profiles, **fields)
    user.national_id = f"AAF-{username}"
    user.set_unusable_password()
    user.save()
    return user


def enrol(school_class, pupil, *guardians):
    services.attachment_add(user=pupil, kind=K.PUPIL, school_class=school_class,
                            school_year=settings.SCHOOL_YEAR)
    for guardian in guardians:
        services.attachment_add(user=guardian, kind=K.GUARDIAN, pupil=pupil,
                                school_year=settings.SCHOOL_YEAR)


@pytest.fixture
def ce2(world):
    """CE2 B at Jean Jaurès: Léa and Tom Durand, their mother (imported, no password),
    and Léa's father, whose account is already active (he has a password)."""
    c = SimpleNamespace(school_class=SchoolClassFactory(school=world.school_j, name="CE2 B"))
    c.lea = imported("eleve.lea", [P.PUPIL], first_name="Léa", last_name="Durand")
    c.tom = imported("eleve.tom", [P.PUPIL], first_name="Tom", last_name="Durand")
    c.mother = imported("parent.durand", [P.PARENT], first_name="Inès", last_name="Durand")
    c.father = UserFactory(username="parent.actif", first_name="Marc", last_name="Durand",
                           profiles=[P.PARENT])
    enrol(c.school_class, c.lea, c.mother, c.father)
    enrol(c.school_class, c.tom, c.mother)
    return c


def slips_of(response) -> dict:
    """login → (name, role, code) of the slips on the print page."""
    html = response.content.decode()
    return {login: (name, role, code) for name, role, login, code in SLIP.findall(html)}


def row(code: ActivationCode) -> dict:
    return ActivationCode.objects.filter(pk=code.pk).values().get()


def post_activation(client, code, password=PASSWORD, password2=None, data=(), **extra):
    return client.post("/activer/", {"code": code, "password": password,
                                     "password2": password if password2 is None else password2,
                                     **dict(data)}, **extra)


# --- End to end -----------------------------------------------------------------------------


def test_the_director_prints_the_class_and_a_pupil_activates_then_logs_in(client, world, ce2):
    services.charter_accept(user=world.director_j, charter=CharterFactory(version=1))
    client.force_login(world.director_j)
    index = client.get(INDEX)
    assert index.status_code == 200
    html = index.content.decode()
    assert "CE2 B" in html and print_url(ce2.school_class) in html
    assert "ils remplacent les codes imprimés" in html  # the button says what it does

    printed = client.post(print_url(ce2.school_class))

    assert printed.status_code == 200
    page = printed.content.decode()
    slips = slips_of(printed)
    assert set(slips) == {"eleve.lea", "eleve.tom", "parent.durand"}  # not the active father
    assert slips["eleve.lea"][:2] == ("Léa Durand", "Élève")
    assert slips["parent.durand"][:2] == ("Inès Durand", "Responsable de Léa Durand et Tom Durand")
    assert all(CODE_FORMAT.fullmatch(code) for _, _, code in slips.values())
    assert "1 personne n'en reçoit pas" in page
    assert "http://testserver/activer/" in page
    expires = timezone.localdate() + timedelta(days=settings.ACTIVATION_CODE_DAYS)
    assert f"jusqu'au {expires.day} " in page
    assert "profiles/activation-slips.css" in page
    # Nothing readable is stored: the codes are on the page only.
    stored = list(ActivationCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 3 and all(len(h) == 64 for h in stored)
    for _, _, code in slips.values():
        assert code.replace("-", "") not in str(list(ActivationCode.objects.values()))
    entry = ModelLogEntry.objects.get(action="profiles.activation_codes")
    assert (entry.object_id, entry.user_id) == (str(world.school_j.pk), world.director_j.pk)
    assert entry.data["codes"] == 3 and entry.data["skipped"] == 1
    assert entry.data["school_class"] == "CE2 B"
    assert "eleve.lea" not in str(entry.data) and "Durand" not in entry.label

    # Léa, at home, not logged in: the form, CSRF-protected.
    visitor = Client(enforce_csrf_checks=True)
    form = visitor.get("/activer/")
    assert form.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in form.content.decode()
    assert post_activation(visitor, slips["eleve.lea"][2]).status_code == 403  # no CSRF token
    token = visitor.cookies["csrftoken"].value
    typed = " " + slips["eleve.lea"][2].lower().replace("-", " ") + " "  # as a child types it
    done = post_activation(visitor, typed, data={"csrfmiddlewaretoken": token})

    assert done.status_code == 200
    text = done.content.decode()
    assert "Votre compte est activé. Votre identifiant : <strong>eleve.lea</strong>" in text
    assert 'href="/connexion/"' in text
    ce2.lea.refresh_from_db()
    assert ce2.lea.check_password(PASSWORD)
    assert ActivationCode.objects.get(user=ce2.lea).used_at is not None
    # She logs in with it; the charter comes now, at her first login.
    login = Client().post("/connexion/", {"username": "eleve.lea", "password": PASSWORD})
    assert login.status_code == 302 and login["Location"] == "/"
    session = Client()
    session.post("/connexion/", {"username": "eleve.lea", "password": PASSWORD})
    assert session.get("/")["Location"].startswith("/charte/")
    # The others' codes are untouched.
    assert ActivationCode.objects.filter(used_at__isnull=True).count() == 2


def test_the_activation_page_is_not_behind_the_charter(client, world, ce2):
    """Somebody logged in who has not accepted the charter (a parent on the family
    computer) can still activate her child's account; her own session stays hers."""
    CharterFactory(version=1)
    code = activation.codes_issue(users=[ce2.tom], by=world.director_j)[ce2.tom.pk]
    client.force_login(ce2.father)
    assert client.get("/activer/").status_code == 200
    done = post_activation(client, code)
    assert "Votre identifiant : <strong>eleve.tom</strong>" in done.content.decode()
    assert client.get("/mes-donnees/")["Location"].startswith("/charte/")  # still him, still gated


def test_the_slips_print_on_paper(client, world, ce2):
    from django.contrib.staticfiles import finders

    css = open(finders.find("profiles/activation-slips.css"), encoding="utf-8").read()
    assert "@media print" in css and "break-inside: avoid" in css
    client.force_login(world.director_j)
    assert 'class="screen-only"' in client.post(print_url(ce2.school_class)).content.decode()


# --- Refused codes leave everything as it was -----------------------------------------------


@pytest.fixture
def issued(world, ce2):
    """Léa's code, as printed by her director."""
    codes = activation.codes_issue(users=[ce2.lea], by=world.director_j)
    return SimpleNamespace(code=codes[ce2.lea.pk], row=ActivationCode.objects.get(user=ce2.lea),
                           lea=ce2.lea)


def assert_refused_and_unchanged(client, typed, issued, before):
    response = post_activation(client, typed)
    assert response.status_code == 200
    text = response.content.decode()
    assert CODE_REFUSAL.replace("'", "&#x27;") in text
    assert "Votre compte est activé" not in text
    for telling in ("expiré", "déjà utilisé", "remplacé"):
        assert telling not in text  # the refusal does not say why
    issued.lea.refresh_from_db()
    assert not issued.lea.has_usable_password()
    assert row(issued.row) == before


@pytest.mark.parametrize("typed", ["ABCD-EFGH-JK", "", "A" * 40, "abcdefghjk", "0O1IL-0O1IL"])
def test_a_wrong_code_is_refused(client, issued, typed):
    before = row(issued.row)
    response = post_activation(client, typed)
    assert response.status_code == 200
    assert "Votre compte est activé" not in response.content.decode()
    issued.lea.refresh_from_db()
    assert not issued.lea.has_usable_password() and row(issued.row) == before


def test_a_wrong_code_says_so_without_telling_why(client, issued):
    assert_refused_and_unchanged(client, "ABCD-EFGH-JK", issued, row(issued.row))


def test_an_expired_code_is_refused(client, issued):
    before = row(issued.row)
    later = timezone.now() + timedelta(days=settings.ACTIVATION_CODE_DAYS, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert_refused_and_unchanged(client, issued.code, issued, before)
    # Still valid the day before it expires.
    sooner = timezone.now() + timedelta(days=settings.ACTIVATION_CODE_DAYS - 1)
    with mock.patch("django.utils.timezone.now", return_value=sooner):
        assert "Votre compte est activé" in post_activation(client, issued.code).content.decode()


def test_a_code_serves_once(client, issued):
    assert "Votre compte est activé" in post_activation(client, issued.code).content.decode()
    used = row(issued.row)
    assert used["used_at"] is not None
    response = post_activation(Client(), issued.code, password="Autre-Mot-De-Passe-99")
    assert CODE_REFUSAL.replace("'", "&#x27;") in response.content.decode()
    issued.lea.refresh_from_db()
    assert issued.lea.check_password(PASSWORD)  # the second try changed nothing
    assert row(issued.row) == used
    with pytest.raises(ValidationError):
        activation.activate(code=issued.code, password=PASSWORD, password2=PASSWORD)
    # Even once her account is reset to no password, a used code never serves again.
    issued.lea.set_unusable_password()
    issued.lea.save()
    with pytest.raises(ValidationError):
        activation.activate(code=issued.code, password=PASSWORD, password2=PASSWORD)
    assert row(issued.row) == used


def test_printing_again_replaces_the_earlier_codes(client, world, issued):
    newer = activation.codes_issue(users=[issued.lea], by=world.director_j)[issued.lea.pk]
    superseded = row(issued.row)
    assert superseded["expires_at"] <= timezone.now() and superseded["used_at"] is None
    assert_refused_and_unchanged(client, issued.code, issued, superseded)
    assert "Votre compte est activé" in post_activation(client, newer).content.decode()


def test_an_account_active_since_is_not_activated_again(client, issued):
    """Her password was set another way after the code was printed: the code is refused."""
    issued.lea.set_password("Deja-Active-2027")
    issued.lea.save()
    before = row(issued.row)
    response = post_activation(client, issued.code)
    assert CODE_REFUSAL.replace("'", "&#x27;") in response.content.decode()
    issued.lea.refresh_from_db()
    assert issued.lea.check_password("Deja-Active-2027") and row(issued.row) == before


def test_a_weak_or_mistyped_password_is_refused_in_french_and_the_code_still_serves(client, issued):
    before = row(issued.row)
    short = post_activation(client, issued.code, password="abc").content.decode()
    assert "Ce mot de passe est trop court" in short
    similar = post_activation(client, issued.code, password="eleve.lea1").content.decode()
    assert "Le mot de passe est trop semblable au champ «\xa0identifiant\xa0»" in similar
    differ = post_activation(client, issued.code, password2="Autre-chose-2027").content.decode()
    assert "Les deux mots de passe ne sont pas identiques." in differ
    issued.lea.refresh_from_db()
    assert not issued.lea.has_usable_password() and row(issued.row) == before
    assert "Votre compte est activé" in post_activation(client, issued.code).content.decode()


def test_codes_are_hashed_with_the_secret_key_and_survive_its_rotation(settings, world, ce2):
    code = activation.codes_issue(users=[ce2.lea], by=world.director_j)[ce2.lea.pk]
    stored = ActivationCode.objects.get(user=ce2.lea).code_hash
    assert stored == activation.code_hash(code) != activation.code_hash(code, secret="autre")
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "une-nouvelle-cle-secrete", [old_key]
    assert activation.activate(code=code, password=PASSWORD, password2=PASSWORD) == ce2.lea


def test_codes_are_unambiguous_and_typed_back_leniently():
    codes = {activation.new_code() for _ in range(300)}
    assert len(codes) == 300
    assert not set("".join(codes)) & set("0O1IL")
    assert activation.format_code("ABCDEFGHJK") == "ABCD-EFGH-JK"
    assert activation.normalise_code(" abcd–efgh jk\t") == "ABCDEFGHJK"


# --- One activation per code, even at the same time -----------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_activations_at_once_with_one_code_one_wins():
    """The interleaving forced: the first activation holds the code (its row locked,
    its transaction open) when the second one starts; the second waits, then is
    refused. Exactly one password is set, the code is used once."""
    school_class = SchoolClassFactory(school=SchoolFactory())
    pupil = imported("eleve.course", [P.PUPIL])
    enrol(school_class, pupil)
    code = activation.codes_issue(users=[pupil], by=None, school_class=school_class)[pupil.pk]
    holding, outcomes = threading.Event(), {}
    real_validate = activation.validate_password

    def slow_validate(password, user=None):
        if threading.current_thread().name == "first":
            holding.set()
            time.sleep(1.5)  # the second activation starts meanwhile and must wait
        return real_validate(password, user)

    def run(name, password):
        try:
            if name == "second":
                assert holding.wait(30)
            activation.activate(code=code, password=password, password2=password)
            outcomes[name] = "ok"
        except ValidationError as exc:
            outcomes[name] = " ".join(exc.messages)
        finally:
            connection.close()

    with mock.patch.object(activation, "validate_password", slow_validate):
        threads = [threading.Thread(target=run, name=name, args=(name, f"{name}-Cartable-2027"))
                   for name in ("first", "second")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert outcomes == {"first": "ok", "second": CODE_REFUSAL}, outcomes
    pupil.refresh_from_db()
    assert pupil.check_password("first-Cartable-2027")
    assert ActivationCode.objects.get(user=pupil).used_at is not None


# --- Who may print whose codes --------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher_j", "director_f", "parent", "pupil"])
def test_only_the_director_of_publication_of_their_school_may_issue(world, ce2, who):
    before = ActivationCode.objects.count()
    with pytest.raises(PermissionDenied) as refused:
        activation.codes_issue(users=[ce2.lea, ce2.mother], by=getattr(world, who))
    assert "directeur ou directrice de publication" in str(refused.value)
    assert ActivationCode.objects.count() == before == 0
    assert not ModelLogEntry.objects.filter(action="profiles.activation_codes").exists()


def test_one_person_out_of_her_reach_refuses_the_whole_batch(world, ce2):
    outsider = imported("eleve.ailleurs", [P.PUPIL])
    enrol(world.class_f, outsider)  # a pupil of Jules Ferry
    with pytest.raises(PermissionDenied):
        activation.codes_issue(users=[ce2.lea, outsider], by=world.director_j)
    assert ActivationCode.objects.count() == 0
    # The director of Ferry may, for her own pupil; and not for Jaurès' through the school.
    assert set(activation.codes_issue(users=[outsider], by=world.director_f)) == {outsider.pk}
    with pytest.raises(PermissionDenied):
        activation.codes_issue(users=[outsider], by=world.director_f, school=world.school_j)
    assert ActivationCode.objects.count() == 1


def test_her_reach_is_this_years_attachments_to_the_schools_she_directs(world, ce2):
    """Pupils, guardians of current pupils, teachers and directors of her school this
    year — not last year's pupil, nor an ended attachment, nor an account above hers."""
    teacher = imported("enseignant.nouveau", [P.TEACHER])
    services.attachment_add(user=teacher, kind=K.TEACHER, school=world.school_j)
    issued = activation.codes_issue(users=[ce2.lea, ce2.mother, teacher], by=world.director_j)
    assert set(issued) == {ce2.lea.pk, ce2.mother.pk, teacher.pk}

    last_year = imported("eleve.ancienne", [P.PUPIL])
    old_class = SchoolClassFactory(school=world.school_j, school_year="2020-2021")
    services.attachment_add(user=last_year, kind=K.PUPIL, school_class=old_class,
                            school_year="2020-2021")
    left = imported("eleve.partie", [P.PUPIL])
    enrol(ce2.school_class, left)
    Attachment.objects.filter(user=left).update(ended_at=timezone.now() - timedelta(days=1))
    academie = imported("inspectrice", [P.ACADEMIE, P.TEACHER])
    services.attachment_add(user=academie, kind=K.TEACHER, school=world.school_j)
    ferry_parent = imported("parent.ferry", [P.PARENT])  # her only child is at Jules Ferry
    services.attachment_add(user=ferry_parent, kind=K.GUARDIAN, pupil=world.pupil_f)
    left_parent = imported("parent.de.partie", [P.PARENT])  # her child left the class
    services.attachment_add(user=left_parent, kind=K.GUARDIAN, pupil=left)
    before = ActivationCode.objects.count()
    for person in (last_year, left, academie, ferry_parent, left_parent):
        with pytest.raises(PermissionDenied):
            activation.codes_issue(users=[person], by=world.director_j)
    assert ActivationCode.objects.count() == before
    # Académie staff may print anybody's, and choose the school.
    assert set(activation.codes_issue(users=[ferry_parent], by=world.director_f)) == {ferry_parent.pk}
    assert set(activation.codes_issue(users=[last_year, academie], by=world.admin)) == {
        last_year.pk, academie.pk}


def test_a_director_whose_role_ended_may_not_issue(world, ce2):
    grant = world.director_j.role_grants.get(role=Role.DIRECTOR_OF_PUBLICATION)
    services.role_grant_end(grant=grant, by=world.admin)
    with pytest.raises(PermissionDenied):
        activation.codes_issue(users=[ce2.lea], by=world.director_j)
    assert ActivationCode.objects.count() == 0


def test_the_admin_pages_are_for_directors_and_academie_staff_only(client, world, ce2):
    url = print_url(ce2.school_class)
    client.force_login(world.director_j)
    assert INDEX in client.get("/admin/").content.decode()  # in her menu
    # A teacher of the school reaches the admin, but neither the page nor the menu item:
    # Wagtail answers the refusal by sending her to the admin's home, with its message.
    client.force_login(world.teacher_j)
    assert INDEX not in client.get("/admin/").content.decode()
    for response in (client.get(INDEX), client.post(url)):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get(INDEX, HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 403
    # A parent has no admin: sent away.
    client.force_login(world.parent)
    assert client.get(INDEX).status_code == 302
    assert client.post(url).status_code == 302
    # The director of another school: not her class.
    client.force_login(world.director_f)
    assert client.post(url).status_code == 404
    assert client.get(f"{INDEX}?school={world.school_j.pk}").status_code == 404
    assert "CE2 B" not in client.get(INDEX).content.decode()
    # Printing is a POST.
    client.force_login(world.director_j)
    assert client.get(url).status_code == 405
    assert ActivationCode.objects.count() == 0
    assert not ModelLogEntry.objects.filter(action="profiles.activation_codes").exists()


def test_academie_staff_choose_the_school(client, world, ce2):
    client.force_login(world.admin)
    assert INDEX in client.get("/admin/").content.decode()
    page = client.get(INDEX).content.decode()
    assert "Choisissez une école" in page and "CE2 B" not in page
    assert world.school_f.name in page  # in the select
    page = client.get(f"{INDEX}?school={world.school_j.pk}").content.decode()
    assert "CE2 B" in page and world.class_f.name not in page.split("<tbody>")[1]
    assert client.get(f"{INDEX}?school=abc").status_code == 404
    printed = client.post(print_url(ce2.school_class))
    assert set(slips_of(printed)) == {"eleve.lea", "eleve.tom", "parent.durand"}
    entry = ModelLogEntry.objects.get(action="profiles.activation_codes")
    assert (entry.object_id, entry.user_id) == (str(world.school_j.pk), world.admin.pk)


# --- Active accounts get no code -------------------------------------------------------------


def test_people_with_a_password_are_skipped_and_counted(world, ce2):
    deactivated = imported("parent.desactive", [P.PARENT], is_active=False)
    enrol_guardian = services.attachment_add(user=deactivated, kind=K.GUARDIAN, pupil=ce2.tom)
    assert enrol_guardian.pk
    issued = activation.codes_issue(
        users=[ce2.lea, ce2.father, world.director_j, deactivated], by=world.director_j)
    assert set(issued) == {ce2.lea.pk}
    assert issued.skipped == 3
    assert list(ActivationCode.objects.values_list("user_id", flat=True)) == [ce2.lea.pk]
    ce2.father.refresh_from_db()
    assert ce2.father.check_password("secret")  # untouched
    # Nobody to issue for: nothing issued, nothing logged.
    none = activation.codes_issue(users=[ce2.father], by=world.director_j)
    assert (dict(none), none.skipped) == ({}, 1)
    assert ModelLogEntry.objects.filter(action="profiles.activation_codes").count() == 1


# --- Costs and limits ---------------------------------------------------------------------------


def _queries(client, url, method="post") -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_cost_the_same_whatever_the_number_of_pupils(client, world):
    small, big = (SchoolClassFactory(school=world.school_j, name=n) for n in ("Petite", "Grande"))
    for school_class, size in ((small, 2), (big, 9)):
        for n in range(size):
            pupil = imported(f"eleve.{school_class.name}.{n}", [P.PUPIL])
            enrol(school_class, pupil, imported(f"parent.{school_class.name}.{n}", [P.PARENT]),
                  imported(f"parent2.{school_class.name}.{n}", [P.PARENT]))
    client.force_login(world.director_j)
    client.post(print_url(small))  # warm Wagtail's per-process caches
    client.get(INDEX)
    assert _queries(client, print_url(small)) == _queries(client, print_url(big))
    assert len(slips_of(client.post(print_url(big)))) == 27
    index_small = _queries(client, INDEX, "get")
    for n in range(5):
        enrol(big, imported(f"eleve.plus.{n}", [P.PUPIL]))
    assert _queries(client, INDEX, "get") == index_small


def test_attempts_are_limited_per_address(client, issued, settings):
    assert settings.RATE_LIMITS["activation_ip"] == (120, 3600)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "activation_ip": (3, 3600)}
    for n in range(3):
        assert post_activation(client, f"ABCD-EFGH-J{n + 2}").status_code == 200
    before = row(issued.row)

    throttled = post_activation(client, issued.code)  # the right code, too late

    assert throttled.status_code == 429
    assert "Trop d'essais d'activation depuis ce poste" in throttled.content.decode().replace(
        "&#x27;", "'")
    issued.lea.refresh_from_db()
    assert not issued.lea.has_usable_password() and row(issued.row) == before
    # From another address, it works.
    done = post_activation(client, issued.code, REMOTE_ADDR="203.0.113.7")
    assert "Votre compte est activé" in done.content.decode()


def test_my_data_shows_when_codes_were_printed_never_the_code(client, world, issued):
    issued.lea.set_password(PASSWORD)
    issued.lea.save()
    client.force_login(issued.lea)
    data = client.get("/mes-donnees/export.json").json()
    section = next(s for s in data["sections"] if s["key"] == "activation_codes")
    assert len(section["data"]) == 1 and set(section["data"][0]) == {
        "emis_le", "valable_jusqu_au", "utilise_le"}
    text = str(data)
    assert issued.code not in text and issued.row.code_hash not in text
