"""The collectivity's enrolment through its service: amount and list, the regroupement's
two conventions, the PDF's text, every bad input refused with nothing written, and the
académie's state machine (each step logged, every illegal one refused)."""

import io
from decimal import Decimal

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import ModelLogEntry

from enrolment import services
from enrolment.documents import format_euros
from enrolment.models import AgreementDocument, AgreementTemplate, EnrolledSchool, Enrolment, Status
from moderation.services import Refused
from tests.enrolment.world import form_for
from tests.factories import CollectivityFactory


def submit(w, by, collectivity, schools, **changes):
    return services.enrolment_submit(by=by, collectivity=collectivity,
                                     data=form_for(collectivity, **changes),
                                     school_ids=[s.pk for s in schools])


def pdf_text(document) -> str:
    with document.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def state(w):
    return (Enrolment.objects.count(), EnrolledSchool.objects.count(), AgreementDocument.objects.count(),
            ModelLogEntry.objects.filter(action__startswith="enrolment.").count())


def test_french_amounts():
    assert format_euros(Decimal("41")) == "41,00\u00a0€"
    assert format_euros(Decimal("41") * 30) == "1\u202f230,00\u00a0€"
    assert format_euros(Decimal("41") * 40000) == "1\u202f640\u202f000,00\u00a0€"


def test_one_school_and_several_schools_amount_and_list(ew):
    w = ew
    one = submit(w, w.signatory_aus, w.aussonne, [w.school_r1])
    doc = one.documents.get()
    assert doc.amount == Decimal("41.00") and [s["uai"] for s in doc.schools] == [w.school_r1.uai]
    several = submit(w, w.referent_a, w.commune_a, [w.school_j, w.school_t])
    doc = several.documents.get()
    assert doc.amount == Decimal("82.00")
    assert sorted(s["uai"] for s in doc.schools) == sorted([w.school_j.uai, w.school_t.uai])
    assert set(several.schools.values_list("school_id", flat=True)) == {w.school_j.pk, w.school_t.pk}
    text = pdf_text(doc)
    assert "2 école(s)" in text and "2 × 41,00 € soit 82,00 €" in text
    entry = ModelLogEntry.objects.get(action="enrolment.submit", object_id=str(several.pk))
    assert entry.user_id == w.referent_a.pk and entry.data["amount"] == "82.00"


def test_the_pdf_has_every_field_filled_and_no_placeholder_left(ew):
    w = ew
    enrolment = submit(w, w.referent_a, w.commune_a, [w.school_j, w.school_t],
                       representative_first_name="Marie-Hélène", representative_last_name="d'Arcy")
    text = pdf_text(enrolment.documents.get())
    for expected in ("Commune de Toulouse", "1 place du Capitole, 31000 Toulouse", "Marie-Hélène d'Arcy",
                     "en qualité de maire", w.school_j.uai, w.school_t.uai, w.school_j.name,
                     "4 septembre 2027", w.year.school_year, "41,00 €", "82,00 €",
                     "recteur de la région académique", f"ENT-{w.year.school_year}-{w.commune_a.siret}-v1"):
        assert expected in text, expected
    siret = w.commune_a.siret
    assert f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}" in text
    assert "--" not in text


def test_a_regroupement_whose_communes_pay_their_share_gets_two_conventions(ew):
    w = ew
    a = submit(w, w.signatory_aus, w.aussonne, [w.school_r1])
    b = submit(w, w.signatory_sei, w.seilh, [w.school_r2])
    assert a.pk != b.pk
    assert [s["uai"] for s in a.documents.get().schools] == [w.school_r1.uai]
    assert [s["uai"] for s in b.documents.get().schools] == [w.school_r2.uai]
    assert "Commune de Seilh" in pdf_text(b.documents.get())
    # The second commune cannot take the school the first enrolled.
    before = state(w)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_change_schools(by=w.signatory_sei, enrolment=b,
                                          school_ids=[w.school_r1.pk, w.school_r2.pk])
    assert "Déjà inscrite" in str(exc.value) and w.school_r1.name in str(exc.value)
    assert state(w) == before


@pytest.mark.parametrize("changes, field, message", [
    ({"siret": "21310555400018"}, "siret", "clé de contrôle est fausse"),
    ({"siret": "2131055540001"}, "siret", "14 chiffres"),
    ({"representative_last_name": "<b>Moudenc</b>"}, "representative_last_name", "ni balise"),
    ({"representative_first_name": "Jean<script>"}, "representative_first_name", "ni balise"),
    ({"representative_last_name": "Moudenc 2"}, "representative_last_name", "que des lettres"),
    ({"address": ""}, "address", "Indiquez l'adresse"),
    ({"legal_name": "Commune\x00"}, "legal_name", "caractère de contrôle"),
])
def test_bad_input_is_refused_in_french_and_nothing_is_written(ew, changes, field, message):
    w = ew
    before = state(w)
    with pytest.raises(ValidationError) as exc:
        submit(w, w.referent_a, w.commune_a, [w.school_j], **changes)
    assert message in " ".join(exc.value.message_dict[field])
    assert state(w) == before


def test_a_siret_of_another_collectivity_is_refused_by_name(ew):
    w = ew
    before = state(w)
    with pytest.raises(ValidationError) as exc:
        submit(w, w.referent_a, w.commune_a, [w.school_j], siret=w.commune_b.siret)
    assert "autre collectivité (Albi)" in " ".join(exc.value.message_dict["siret"])
    stranger = CollectivityFactory(name="Lyon", siret="21690123100011")
    with pytest.raises(ValidationError) as exc:
        submit(w, w.referent_a, w.commune_a, [w.school_j], siret="21690123100029")
    assert "Lyon" in " ".join(exc.value.message_dict["siret"]) or "SIREN" in " ".join(
        exc.value.message_dict["siret"])
    assert stranger.pk and state(w) == before


def test_schools_outside_its_charge_none_or_taken_are_refused(ew):
    w = ew
    before = state(w)
    with pytest.raises(ValidationError) as exc:  # a school of Albi
        submit(w, w.referent_a, w.commune_a, [w.school_j, w.school_f])
    assert "Seules les écoles dont Toulouse a la charge" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        submit(w, w.referent_a, w.commune_a, [])
    assert "au moins une école" in str(exc.value)
    with pytest.raises(ValidationError):
        services.enrolment_submit(by=w.referent_a, collectivity=w.commune_a, data=form_for(w.commune_a),
                                  school_ids=["1 OR 1=1"])
    assert state(w) == before
    submit(w, w.signatory_aus, w.aussonne, [w.school_r1])
    before = state(w)
    with pytest.raises(ValidationError) as exc:  # taken by Aussonne
        submit(w, w.signatory_sei, w.seilh, [w.school_r1])
    assert "Déjà inscrite(s)" in str(exc.value)
    assert state(w) == before


def test_a_second_enrolment_for_the_year_and_a_stranger_are_refused(ew):
    w = ew
    submit(w, w.referent_a, w.commune_a, [w.school_j])
    before = state(w)
    with pytest.raises(Refused) as exc:
        submit(w, w.referent_a, w.commune_a, [w.school_t])
    assert "déjà inscrit ses écoles" in exc.value.message
    for stranger in (w.publisher_a, w.parent, w.director_j, w.signatory_aus):
        with pytest.raises(Refused):
            submit(w, stranger, w.commune_a, [w.school_t])
    assert state(w) == before


def test_no_campaign_no_enrolment(db):
    from tests.enrolment.world import build_enrolment_world

    w = build_enrolment_world(year=False)
    with pytest.raises(Refused) as exc:
        submit(w, w.referent_a, w.commune_a, [w.school_j])
    assert "ne sont pas ouvertes" in exc.value.message
    assert Enrolment.objects.count() == 0


def test_changing_the_list_makes_a_new_version_and_keeps_the_old(ew):
    w = ew
    enrolment = submit(w, w.referent_a, w.commune_a, [w.school_j])
    services.enrolment_advance(by=w.agent, enrolment=enrolment, to_status=Status.SENT)
    document = services.enrolment_change_schools(by=w.referent_a, enrolment=enrolment,
                                                 school_ids=[w.school_j.pk, w.school_t.pk])
    enrolment.refresh_from_db()
    assert document.number == 2 and enrolment.status == Status.REQUESTED
    v1, v2 = enrolment.documents.order_by("number")
    assert v1.amount == Decimal("41.00") and v2.amount == Decimal("82.00")
    assert v1.file.name != v2.file.name and v1.file.storage.exists(v1.file.name)
    assert "v2" in pdf_text(v2)
    entry = ModelLogEntry.objects.get(action="enrolment.change_schools")
    assert entry.data["added"] == [w.school_t.uai] and entry.data["removed"] == []
    with pytest.raises(ValidationError):  # the same list again
        services.enrolment_change_schools(by=w.referent_a, enrolment=enrolment,
                                          school_ids=[w.school_j.pk, w.school_t.pk])


def _signed():
    return SimpleUploadedFile("signee.pdf", b"%PDF-1.7\n% signed copy\n", content_type="application/pdf")


def test_the_state_machine_takes_each_step_in_order_and_logs_it(ew):
    w = ew
    enrolment = submit(w, w.referent_a, w.commune_a, [w.school_j])
    steps = [Status.SENT, Status.SIGNED_COLLECTIVITY, Status.SIGNED_RECTOR, Status.INVOICED, Status.PAID]
    for step in steps:
        services.enrolment_advance(by=w.agent, enrolment=enrolment, to_status=step,
                                   signed_file=_signed() if step == Status.SIGNED_COLLECTIVITY else None)
        enrolment.refresh_from_db()
        assert enrolment.status == step
    entries = ModelLogEntry.objects.filter(action="enrolment.advance").order_by("pk")
    assert [(e.data["from"], e.data["to"]) for e in entries] == list(zip(
        [Status.REQUESTED, *steps[:-1]], steps, strict=True))
    assert all(e.user_id == w.agent.pk for e in entries)
    assert enrolment.documents.filter(kind="signed").count() == 1
    # Signed: the collectivity no longer changes its list.
    with pytest.raises(Refused):
        services.enrolment_change_schools(by=w.referent_a, enrolment=enrolment,
                                          school_ids=[w.school_t.pk])


@pytest.mark.parametrize("start, target", [
    (Status.REQUESTED, Status.SIGNED_COLLECTIVITY),  # skips a step
    (Status.REQUESTED, Status.PAID),
    (Status.SENT, Status.REQUESTED),  # backwards
    (Status.REQUESTED, "nimporte"),
    (Status.REQUESTED, Status.CANCELLED),  # cancelling is its own service, with a reason
])
def test_illegal_transitions_are_refused_and_change_nothing(ew, start, target):
    w = ew
    enrolment = submit(w, w.referent_a, w.commune_a, [w.school_j])
    if start == Status.SENT:
        services.enrolment_advance(by=w.agent, enrolment=enrolment, to_status=Status.SENT)
    before = (state(w), Enrolment.objects.get(pk=enrolment.pk).status)
    with pytest.raises(Refused) as exc:
        services.enrolment_advance(by=w.agent, enrolment=enrolment, to_status=target, signed_file=_signed())
    assert "ne peut pas passer" in exc.value.message
    assert (state(w), Enrolment.objects.get(pk=enrolment.pk).status) == before


def test_only_academie_staff_advance_and_the_signature_needs_a_pdf(ew):
    w = ew
    enrolment = submit(w, w.referent_a, w.commune_a, [w.school_j])
    before = state(w)
    for someone in (w.referent_a, w.director_j, None):
        with pytest.raises(Refused):
            services.enrolment_advance(by=someone, enrolment=enrolment, to_status=Status.SENT)
    assert state(w) == before
    services.enrolment_advance(by=w.agent, enrolment=enrolment, to_status=Status.SENT)
    before = state(w)
    for upload in (None, SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>")):
        with pytest.raises(ValidationError):
            services.enrolment_advance(by=w.agent, enrolment=enrolment,
                                       to_status=Status.SIGNED_COLLECTIVITY, signed_file=upload)
    assert state(w) == before and Enrolment.objects.get(pk=enrolment.pk).status == Status.SENT


def test_cancelling_needs_a_reason_releases_the_schools_and_allows_a_new_enrolment(ew):
    w = ew
    enrolment = submit(w, w.referent_a, w.commune_a, [w.school_j])
    with pytest.raises(ValidationError):
        services.enrolment_cancel(by=w.agent, enrolment=enrolment, reason="  ")
    with pytest.raises(Refused):
        services.enrolment_cancel(by=w.referent_a, enrolment=enrolment, reason="Erreur")
    services.enrolment_cancel(by=w.agent, enrolment=enrolment, reason="Doublon avec le SIVOS")
    enrolment.refresh_from_db()
    assert enrolment.status == Status.CANCELLED and not enrolment.schools.exists()
    assert ModelLogEntry.objects.get(action="enrolment.cancel").data["schools"] == [w.school_j.uai]
    with pytest.raises(Refused):
        services.enrolment_cancel(by=w.agent, enrolment=enrolment, reason="encore")
    again = submit(w, w.referent_a, w.commune_a, [w.school_j])
    assert again.pk != enrolment.pk


def test_a_used_template_version_no_longer_changes(ew):
    w = ew
    submit(w, w.referent_a, w.commune_a, [w.school_j])
    template = AgreementTemplate.objects.get(version=1)
    template.body += "<p>Ajout</p>"
    with pytest.raises(ValidationError):
        template.full_clean()
    fresh = AgreementTemplate(version=2, title="v2", body="<p>--collectivite-- --inconnu--</p>")
    with pytest.raises(ValidationError) as exc:
        fresh.full_clean()
    assert "--inconnu--" in str(exc.value)


def test_next_years_fee_is_data(ew):
    w = ew
    w.year.fee = Decimal("45.50")
    w.year.save()
    enrolment = submit(w, w.referent_a, w.commune_a, [w.school_j, w.school_t])
    text = pdf_text(enrolment.documents.get())
    assert "2 × 45,50 € soit 91,00 €" in text
