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
        ("075065E", "uai_format", "7 chiffres suivis d'une lettre"),
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
