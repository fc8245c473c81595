"""The pre-filled convention: the year's template with every `--field--` filled, laid
out as an A4 PDF by WeasyPrint with French typography (narrow no-break spaces before
« ; : ! ? » and inside guillemets, amounts as « 1 230,00 € », hyphenation in French).

Every value is escaped before it enters the HTML; a mark the template names but nothing
fills is an error, never a `--field--` left in a document."""

import datetime
import html
import re
from decimal import ROUND_HALF_UP, Decimal

from django.template.loader import render_to_string
from django.utils import formats, timezone

from enrolment.models import FIELD_RE, TEMPLATE_FIELDS

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"


def format_euros(amount) -> str:
    """THE French spelling of an amount: « 41,00 € », « 1 230,00 € »."""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    units, cents = f"{value:.2f}".split(".")
    sign = "-" if units.startswith("-") else ""
    units = units.lstrip("-")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{NNBSP.join(groups)},{cents}{NBSP}€"


def format_date(day: datetime.date) -> str:
    """« 4 septembre 2027 » (« 1er » for the first of the month)."""
    text = formats.date_format(day, "j F Y")
    return text.replace("1 ", "1er ", 1) if day.day == 1 else text


_TAG = re.compile(r"(<[^>]*>)")
_BEFORE = re.compile(r"[ \u00a0]([:;!?»])")
_AFTER = re.compile(r"(«)[ \u00a0]")


def french_typography(markup: str) -> str:
    """Narrow no-break spaces where French typography wants them, in text only (never
    inside a tag)."""
    parts = _TAG.split(markup)
    for i in range(0, len(parts), 2):
        text = _BEFORE.sub(lambda m: NNBSP + m.group(1), parts[i])
        parts[i] = _AFTER.sub(lambda m: m.group(1) + NNBSP, text)
    return "".join(parts)


def schools_table(schools) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(s['uai'])}</td><td>{html.escape(s['name'])}</td>"
        f"<td>{html.escape(s['city'])}</td></tr>" for s in schools)
    return ('<table class="schools"><thead><tr><th scope="col">UAI</th><th scope="col">École</th>'
            f'<th scope="col">Commune</th></tr></thead><tbody>{rows}</tbody></table>')


def convention_values(enrolment, schools, *, number: int, today: datetime.date) -> dict[str, str]:
    """What fills each mark (raw HTML for the table, escaped text for the rest)."""
    year = enrolment.year
    count = len(schools)
    values = {
        "annee_scolaire": year.school_year,
        "collectivite": enrolment.legal_name,
        "siret": f"{enrolment.siret[:3]} {enrolment.siret[3:6]} {enrolment.siret[6:9]} {enrolment.siret[9:]}",
        "adresse": enrolment.address,
        "representant": enrolment.representative,
        "qualite": enrolment.representative_capacity,
        "nombre_ecoles": str(count),
        "montant_unitaire": format_euros(year.fee),
        "montant_total": format_euros(year.fee * count),
        "fin_convention": format_date(year.agreement_ends_on),
        "signataire_academie": year.signatory,
        "date": format_date(today),
        "reference": f"ENT-{year.school_year}-{enrolment.siret}-v{number}",
    }
    assert set(values) | {"liste_ecoles"} == set(TEMPLATE_FIELDS)
    escaped = {key: html.escape(value).replace(" ", NBSP if key == "siret" else " ")
               for key, value in values.items()}
    escaped["liste_ecoles"] = schools_table(schools)
    return escaped


def fill(body: str, values: dict[str, str]) -> str:
    def replace(match):
        name = match.group(1)
        if name not in values:
            raise ValueError(f"Champ --{name}-- sans valeur.")
        return values[name]

    # Typography on the template's text first, then the values (already French).
    return FIELD_RE.sub(replace, french_typography(body))


def convention_html(enrolment, schools, *, number: int, today=None) -> str:
    today = today or timezone.localdate()
    body = fill(enrolment.year.template.body,
                convention_values(enrolment, schools, number=number, today=today))
    return render_to_string("enrolment/convention.html", {
        "body": body, "title": enrolment.year.template.title,
        "reference": f"ENT-{enrolment.year.school_year}-{enrolment.siret}-v{number}",
    })


def convention_pdf(enrolment, schools, *, number: int, today=None) -> bytes:
    from weasyprint import HTML

    markup = convention_html(enrolment, schools, number=number, today=today)
    return HTML(string=markup, base_url=None).write_pdf()
