"""Validators of the national identifiers (UAI, SIRET, INSEE code, school year).

Each raises a `ValidationError` with a French message that says what is wrong and
how to fix it; the helpers that compute check characters are used by the demo and
the test factories, so that they never hard-code identifiers.
"""

import re

from django.core.exceptions import ValidationError

# The UAI check letter: the 7 leading digits modulo 23, read in this alphabet
# (the 23 capital letters without I, O and Q).
UAI_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ"
UAI_RE = re.compile(r"^\d{7}[A-Z]$")
SIRET_RE = re.compile(r"^\d{14}$")
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
SCHOOL_YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")


def uai_check_letter(digits: str) -> str:
    return UAI_ALPHABET[int(digits) % 23]


def validate_uai(value: str) -> None:
    if not UAI_RE.match(value or ""):
        raise ValidationError(
            "Le code UAI « %(value)s » est mal formé : 7 chiffres suivis d'une lettre "
            "majuscule sont attendus (exemple : 0310001A).",
            code="uai_format",
            params={"value": value},
        )
    expected = uai_check_letter(value[:7])
    if value[7] != expected:
        raise ValidationError(
            "La lettre clé du code UAI « %(value)s » est fausse : pour %(digits)s, "
            "la lettre attendue est %(expected)s.",
            code="uai_check_letter",
            params={"value": value, "digits": value[:7], "expected": expected},
        )


def luhn_is_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_complete(prefix: str) -> str:
    """Return `prefix` followed by the digit that makes it pass the Luhn check."""
    for digit in "0123456789":
        if luhn_is_valid(prefix + digit):
            return prefix + digit
    raise AssertionError("unreachable")  # pragma: no cover


def validate_siret(value: str) -> None:
    if not SIRET_RE.match(value or ""):
        raise ValidationError(
            "Le SIRET « %(value)s » doit compter exactement 14 chiffres, sans espace.",
            code="siret_format",
            params={"value": value},
        )
    if not luhn_is_valid(value):
        raise ValidationError(
            "Le SIRET « %(value)s » n'est pas valide : sa clé de contrôle (algorithme de "
            "Luhn) est fausse. Vérifiez-le sur l'avis de situation SIRENE.",
            code="siret_luhn",
            params={"value": value},
        )


def validate_insee_code(value: str) -> None:
    if not INSEE_RE.match(value or ""):
        raise ValidationError(
            "Le code INSEE « %(value)s » est mal formé : 5 caractères sont attendus "
            "(exemple : 31555 pour Toulouse).",
            code="insee_format",
            params={"value": value},
        )


def validate_school_year(value: str) -> None:
    match = SCHOOL_YEAR_RE.match(value or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValidationError(
            "L'année scolaire « %(value)s » est mal formée : deux années consécutives "
            "sont attendues (exemple : 2026-2027).",
            code="school_year_format",
            params={"value": value},
        )
