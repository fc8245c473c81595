import pytest
from django.core.exceptions import ValidationError

from profiles.validators import (
    luhn_complete,
    luhn_is_valid,
    uai_check_letter,
    validate_insee_code,
    validate_school_year,
    validate_siret,
    validate_uai,
)


@pytest.mark.parametrize("uai", ["0750655E", "0311234" + uai_check_letter("0311234")])
def test_valid_uai(uai):
    validate_uai(uai)


def test_uai_check_letter_is_the_national_one():
    # Lycée Louis-le-Grand, Paris: 0750655E (published code).
    assert uai_check_letter("0750655") == "E"
    # The alphabet skips I, O and Q.
    letters = {uai_check_letter(f"{n:07d}") for n in range(23)}
    assert letters.isdisjoint({"I", "O", "Q"}) and len(letters) == 23


@pytest.mark.parametrize(
    "uai, code, fragment",
    [
        ("0750655F", "uai_check_letter", "la lettre attendue est E"),
        ("075065E", "uai_format", "7 chiffres (0 à 9) suivis d'une lettre"),
        ("0750655e", "uai_format", "mal formé"),
        ("", "uai_format", "mal formé"),
        ("07506551", "uai_format", "mal formé"),
    ],
)
def test_invalid_uai_is_refused_in_french(uai, code, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_uai(uai)
    assert exc.value.code == code
    assert fragment in exc.value.messages[0]


@pytest.mark.parametrize("siret", ["21310555400017", "21340172201787"])
def test_real_mairie_sirets_pass_luhn(siret):
    validate_siret(siret)


@pytest.mark.parametrize(
    "siret, code",
    [("21310555400018", "siret_luhn"), ("2131055540001", "siret_format"),
     ("2131055540001A", "siret_format"), ("213 105 554 00017", "siret_format")],
)
def test_invalid_siret_is_refused_in_french(siret, code):
    with pytest.raises(ValidationError) as exc:
        validate_siret(siret)
    assert exc.value.code == code
    assert "SIRET" in exc.value.messages[0]


def test_luhn_complete_produces_valid_numbers():
    for prefix in ("2131055540001", "0000000000000", "9999999999999"):
        number = luhn_complete(prefix)
        assert number.startswith(prefix) and luhn_is_valid(number)
        assert not luhn_is_valid(prefix + str((int(number[-1]) + 1) % 10))


@pytest.mark.parametrize("code", ["31555", "2A004", "34172"])
def test_valid_insee(code):
    validate_insee_code(code)


@pytest.mark.parametrize("code", ["3155", "315555", "ABCDE", ""])
def test_invalid_insee(code):
    with pytest.raises(ValidationError, match="INSEE"):
        validate_insee_code(code)


@pytest.mark.parametrize("year", ["2026-2028", "2026/2027", "26-27", "2027-2026"])
def test_invalid_school_year(year):
    with pytest.raises(ValidationError, match="année scolaire"):
        validate_school_year(year)


def test_valid_school_year():
    validate_school_year("2026-2027")


# --- ASCII digits only ----------------------------------------------------------------
# Python's \d, str.isdigit() and int() accept every script's digits: « ٠٣١١٢٣٤Y » (Arabic-
# Indic) or « ０３１１２３４Y » (full width) would be another spelling of 0311234Y, and
# the unique constraint would let the same school in twice.

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DEVANAGARI_ONE = "१"


def spellings(ascii_value):
    """Other scripts' spellings of an identifier: all digits, and just one digit."""
    yield ascii_value.translate(ARABIC)
    yield ascii_value.translate(FULL_WIDTH)
    yield ascii_value[:-2] + ascii_value[-2].translate(FULL_WIDTH) + ascii_value[-1]
    yield DEVANAGARI_ONE + ascii_value[1:]


UAI = "0311234" + uai_check_letter("0311234")  # 0311234Y
SIRET = "21310555400017"


def test_the_issue_examples_are_other_spellings_of_valid_identifiers():
    assert UAI == "0311234Y" and "٠٣١١٢٣٤Y" in set(spellings(UAI))
    validate_uai(UAI)
    validate_siret(SIRET)


@pytest.mark.parametrize("uai", list(spellings(UAI)))
def test_uai_with_non_ascii_digits_is_refused(uai):
    with pytest.raises(ValidationError) as exc:
        validate_uai(uai)
    assert exc.value.code == "uai_format"
    assert "chiffres (0 à 9)" in exc.value.messages[0]


@pytest.mark.parametrize("siret", list(spellings(SIRET)))
def test_siret_with_non_ascii_digits_is_refused(siret):
    with pytest.raises(ValidationError) as exc:
        validate_siret(siret)
    assert exc.value.code == "siret_format"
    assert not luhn_is_valid(siret)


@pytest.mark.parametrize("code", [*spellings("31555"), "2A٠٠٤", "2A00４"])
def test_insee_code_with_non_ascii_digits_is_refused(code):
    with pytest.raises(ValidationError, match="INSEE"):
        validate_insee_code(code)


@pytest.mark.parametrize("year", ["٢٠٢٦-٢٠٢٧", "２０２６-２０２７", "2026-202７"])
def test_school_year_with_non_ascii_digits_is_refused(year):
    with pytest.raises(ValidationError, match="année scolaire"):
        validate_school_year(year)


@pytest.mark.parametrize(
    "validator, value",
    [(validate_uai, UAI + "\n"), (validate_siret, SIRET + "\n"),
     (validate_insee_code, "31555\n"), (validate_school_year, "2026-2027\n")],
)
def test_a_trailing_newline_is_refused(validator, value):
    with pytest.raises(ValidationError):
        validator(value)


def test_check_characters_are_computed_from_ascii_digits_only():
    with pytest.raises(ValueError):
        uai_check_letter("٠٣١١٢٣٤")
    assert not luhn_is_valid("")


# Through the doors: the model's full_clean (imports, services) and the admin forms.


@pytest.mark.django_db
@pytest.mark.parametrize("uai", list(spellings(UAI)))
def test_a_school_cannot_be_created_twice_with_other_digits(client, uai):
    from profiles.models import School
    from tests.factories import SchoolFactory, UserFactory

    existing = SchoolFactory(uai=UAI, name="École Jean Jaurès")
    copy = School(uai=uai, name="École Jean Jaurès", city="Toulouse",
                  collectivity=existing.collectivity, circonscription=existing.circonscription)
    with pytest.raises(ValidationError) as exc:
        copy.full_clean()
    assert "uai" in exc.value.message_dict

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    before = list(School.objects.values_list("pk", "uai"))
    response = client.post("/admin/ecoles/new/", {
        "uai": uai, "name": "École Jean Jaurès", "address": "", "postal_code": "31000",
        "city": "Toulouse", "collectivity": existing.collectivity_id,
        "circonscription": existing.circonscription_id,
    })
    assert response.status_code == 200
    assert "Le code UAI" in response.content.decode()
    assert list(School.objects.values_list("pk", "uai")) == before


@pytest.mark.django_db
@pytest.mark.parametrize("siret", list(spellings(SIRET)))
def test_a_collectivity_cannot_be_created_twice_with_other_digits(client, siret):
    from profiles.models import Collectivity
    from tests.factories import CollectivityFactory, UserFactory

    existing = CollectivityFactory(siret=SIRET, insee_code="31555", name="Toulouse")
    copy = Collectivity(siret=siret, insee_code="31555", name="Toulouse",
                        departement=existing.departement)
    with pytest.raises(ValidationError) as exc:
        copy.full_clean()
    assert "siret" in exc.value.message_dict

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    before = list(Collectivity.objects.values_list("pk", "siret"))
    response = client.post("/admin/collectivites/new/", {
        "name": "Toulouse", "siret": siret, "insee_code": "31555".translate(FULL_WIDTH),
        "kind": "commune", "departement": existing.departement_id,
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le SIRET" in html and "Le code INSEE" in html
    assert list(Collectivity.objects.values_list("pk", "siret")) == before


@pytest.mark.django_db
def test_a_class_year_with_other_digits_is_refused(client):
    from profiles.models import SchoolClass
    from tests.factories import SchoolClassFactory, UserFactory

    klass = SchoolClassFactory(school_year="2026-2027", name="CM1 A")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    before = list(SchoolClass.objects.values_list("pk", "school_year"))
    response = client.post("/admin/classes/new/", {
        "school": klass.school_id, "school_year": "٢٠٢٦-٢٠٢٧", "level": "CM1", "name": "CM1 A",
    })
    assert response.status_code == 200
    assert "L&#x27;année scolaire" in response.content.decode()
    assert list(SchoolClass.objects.values_list("pk", "school_year")) == before


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["٣١", "３１", "3１"])
def test_a_departement_cannot_be_created_twice_with_other_digits(client, code):
    from profiles.models import Departement
    from tests.factories import DepartementFactory, UserFactory

    existing = DepartementFactory(code="31", name="Haute-Garonne")
    with pytest.raises(ValidationError) as exc:
        Departement(code=code, name="Haute-Garonne", academie=existing.academie).full_clean()
    assert "code" in exc.value.message_dict

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    before = list(Departement.objects.values_list("pk", "code"))
    response = client.post("/admin/departements/new/", {
        "academie": existing.academie_id, "code": code, "name": "Haute-Garonne",
    })
    assert response.status_code == 200
    assert "Le numéro de département" in response.content.decode()
    assert list(Departement.objects.values_list("pk", "code")) == before


@pytest.mark.parametrize("code", ["31", "974", "2A", "2B", "01"])
def test_valid_departement_codes(code):
    from profiles.validators import validate_departement_code

    validate_departement_code(code)
