"""Validators of the national identifiers (UAI, SIRET, INSEE code, school year),
and of the dates that enter the directory.

Each raises a `ValidationError` with a French message that says what is wrong and
how to fix it; the helpers that compute check characters are used by the demo and
the test factories, so that they never hard-code identifiers.

Digits are the ASCII digits 0-9 only: Python's `\\d`, `str.isdigit()` and `int()`
also accept other scripts' digits (« ٠٣١١٢٣٤Y », full-width « ２１３… »), which would
let the same school or collectivity be created twice under two spellings. The
patterns are matched with `fullmatch`, so a trailing newline is refused too.
"""

import datetime
import re

from django.core.exceptions import ValidationError

# The UAI check letter: the 7 leading digits modulo 23, read in this alphabet
# (the 23 capital letters without I, O and Q).
UAI_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ"
UAI_RE = re.compile(r"[0-9]{7}[A-Z]")
SIRET_RE = re.compile(r"[0-9]{14}")
INSEE_RE = re.compile(r"[0-9]{5}|2[AB][0-9]{3}")
SCHOOL_YEAR_RE = re.compile(r"([0-9]{4})-([0-9]{4})")
ASCII_DIGITS = frozenset("0123456789")

# Dates of the directory (role grants…) outside these years (inclusive) are typing
# mistakes (« 0001-01-01 » cannot even be converted to UTC).
PLAUSIBLE_YEARS = (2000, 2100)


def _ascii_int(digits: str) -> int:
    if not digits or not set(digits) <= ASCII_DIGITS:
        raise ValueError(f"ASCII digits expected: {digits!r}")
    return int(digits)


def uai_check_letter(digits: str) -> str:
    return UAI_ALPHABET[_ascii_int(digits) % 23]


def validate_uai(value: str) -> None:
    if not UAI_RE.fullmatch(value or ""):
        raise ValidationError(
            "Le code UAI « %(value)s » est mal formé : 7 chiffres (0 à 9) suivis d'une "
            "lettre majuscule sont attendus (exemple : 0310001A).",
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
    if not number or not set(number) <= ASCII_DIGITS:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = _ascii_int(char)
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
    if not SIRET_RE.fullmatch(value or ""):
        raise ValidationError(
            "Le SIRET « %(value)s » doit compter exactement 14 chiffres (0 à 9), sans espace.",
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
    if not INSEE_RE.fullmatch(value or ""):
        raise ValidationError(
            "Le code INSEE « %(value)s » est mal formé : 5 chiffres (0 à 9), ou 2A / 2B "
            "suivi de 3 chiffres pour la Corse, sont attendus (exemple : 31555 pour Toulouse).",
            code="insee_format",
            params={"value": value},
        )


def validate_school_year(value: str) -> None:
    match = SCHOOL_YEAR_RE.fullmatch(value or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValidationError(
            "L'année scolaire « %(value)s » est mal formée : deux années consécutives, "
            "en chiffres de 0 à 9, sont attendues (exemple : 2026-2027).",
            code="school_year_format",
            params={"value": value},
        )


def validate_plausible_datetime(value, *, field_label: str = "La date") -> None:
    """Refuse a date outside 2000-2100 (a typing mistake such as « 0001-01-01 »),
    before it reaches a comparison or the conversion to UTC, which would fail."""
    if value is None:
        return
    if not isinstance(value, datetime.date):
        raise ValidationError(
            "%(label)s n'est pas une date valide.", code="date_invalid",
            params={"label": field_label},
        )
    low, high = PLAUSIBLE_YEARS
    if not low <= value.year <= high:
        raise ValidationError(
            "%(label)s « %(value)s » n'est pas plausible : indiquez une date entre "
            "le 1er janvier %(low)s et le 31 décembre %(high)s.",
            code="date_implausible",
            params={
                "label": field_label,
                "value": f"{value.day:02d}/{value.month:02d}/{value.year:04d}",
                "low": low, "high": high,
            },
        )


DEPARTEMENT_RE = re.compile(r"[0-9]{2,3}|2[AB]")


def validate_departement_code(value: str) -> None:
    """A département number: 2 or 3 ASCII digits (31, 974), or 2A / 2B (Corse)."""
    if not DEPARTEMENT_RE.fullmatch(value or ""):
        raise ValidationError(
            "Le numéro de département « %(value)s » est mal formé : 2 ou 3 chiffres (0 à 9), "
            "ou 2A / 2B pour la Corse, sont attendus (exemple : 31).",
            code="departement_format",
            params={"value": value},
        )
