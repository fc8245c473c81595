"""The doors: the collectivity's pages on the portal (the form limited to its schools, the
amount, the detail, the downloads — 404 to anybody else), the académie's back office
(académie staff only: 404 otherwise), its totals, its CSV, every list at a constant
number of queries, and the login message of an inactive school's people."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from enrolment import documents, services
from enrolment.models import AgreementDocument, Enrolment, Status
from profiles import services as directory
from profiles.models import Role
from tests.enrolment.world import form_for
from tests.factories import CollectivityFactory, SchoolFactory, UserFactory
from tests.pages.reading_helpers import queries_of

FAKE_PDF = b"%PDF-1.7\n% test\n"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def enrol(w, by, collectivity, schools):
    return services.enrolment_submit(by=by, collectivity=collectivity, data=form_for(collectivity),
                                     school_ids=[s.pk for s in schools])


def post_form(client, collectivity, schools, **changes):
    data = {**form_for(collectivity, **changes), "schools": [s.pk for s in schools]}
    return client.post(f"/inscription/collectivite/{collectivity.pk}/", data)


def test_the_form_offers_only_the_collectivitys_schools_and_computes_the_amount(ew):
    w = ew
    client = client_for(w.referent_a)
    home = client.get("/inscription/")
    assert home.status_code == 200 and "Inscrire les écoles" in home.content.decode()
    response = client.get(f"/inscription/collectivite/{w.commune_a.pk}/")
    shown = response.content.decode()
    assert response.status_code == 200
    assert w.school_j.name in shown and w.school_t.name in shown
    assert w.school_f.name not in shown and w.school_r1.name not in shown
    assert 'value="21310' in shown or w.commune_a.siret in shown  # pre-filled from the directory
    # A member commune of the regroupement is offered the regroupement's schools.
    shown = client_for(w.signatory_aus).get(f"/inscription/collectivite/{w.aussonne.pk}/").content.decode()
    assert w.school_r1.name in shown and w.school_r2.name in shown and w.school_j.name not in shown
    # A school of another commune, posted by hand: refused, nothing written.
    response = post_form(client, w.commune_a, [w.school_j, w.school_f])
    assert response.status_code == 200 and Enrolment.objects.count() == 0
    assert "Choisissez des écoles de la liste" in response.content.decode()
    response = post_form(client, w.commune_a, [w.school_j], representative_last_name="<i>X</i>")
    assert "ni balise" in response.content.decode() and Enrolment.objects.count() == 0
    response = post_form(client, w.commune_a, [w.school_j, w.school_t])
    enrolment = Enrolment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inscription/{enrolment.pk}/"
    shown = client.get(response["Location"]).content.decode()
    assert "2 écoles × 41,00\u00a0€ = 82,00\u00a0€" in shown
    assert "Convention pré-remplie n° 1" in shown


def test_someone_else_may_not_enrol_nor_read_nor_download(ew):
    w = ew
    enrolment = enrol(w, w.referent_a, w.commune_a, [w.school_j])
    document = enrolment.documents.get()
    url, file_url = f"/inscription/{enrolment.pk}/", f"/inscription/{enrolment.pk}/convention/{document.pk}/"
    for someone in (w.signatory_aus, w.publisher_a, w.parent, w.director_j):
        client = client_for(someone)
        assert client.get(url).status_code == 404
        assert client.get(file_url).status_code == 404
        assert client.get(f"/inscription/collectivite/{w.commune_a.pk}/").status_code == 404
        assert post_form(client, w.commune_a, [w.school_t]).status_code == 404
    assert Client().get(file_url).status_code == 302  # anonymous: the login page
    response = client_for(w.referent_a).get(file_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    staff = client_for(w.agent)
    assert staff.get(f"/admin/inscriptions/{enrolment.pk}/convention/{document.pk}/").status_code == 200
    # Not a public file: no URL under MEDIA_URL.
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018


def test_the_back_office_is_for_academie_staff_only(ew):
    w = ew
    enrolment = enrol(w, w.referent_a, w.commune_a, [w.school_j])
    for someone in (w.referent_a, w.director_j):
        client = client_for(someone)
        for url in ("/admin/inscriptions/", f"/admin/inscriptions/{enrolment.pk}/",
                    "/admin/inscriptions/export.csv", "/admin/inscriptions/non-inscrites/"):
            assert client.get(url).status_code == 404, (someone, url)
        response = client.post(f"/admin/inscriptions/{enrolment.pk}/etape/", {"to_status": Status.SENT})
        assert response.status_code == 404
    assert Enrolment.objects.get(pk=enrolment.pk).status == Status.REQUESTED
    client = client_for(w.agent)
    response = client.post(f"/admin/inscriptions/{enrolment.pk}/etape/", {"to_status": Status.SENT})
    assert response.status_code == 302 and Enrolment.objects.get(pk=enrolment.pk).status == Status.SENT
    # Signed by the collectivity: the PDF is uploaded with the step.
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(f"/admin/inscriptions/{enrolment.pk}/etape/", {
        "to_status": Status.SIGNED_COLLECTIVITY,
        "signed_file": SimpleUploadedFile("signee.pdf", FAKE_PDF, content_type="application/pdf")})
    assert Enrolment.objects.get(pk=enrolment.pk).status == Status.SIGNED_COLLECTIVITY
    assert AgreementDocument.objects.filter(enrolment=enrolment, kind="signed").count() == 1
    shown = client.get(f"/admin/inscriptions/{enrolment.pk}/").content.decode()
    assert "Convention signée" in shown and "Marquer « signée par le recteur »" in shown


def test_totals_by_departement_and_academie_and_the_csv(ew):
    w = ew
    enrol(w, w.referent_a, w.commune_a, [w.school_j, w.school_t])
    enrol(w, w.signatory_aus, w.aussonne, [w.school_r1])
    cancelled = enrol(w, w.signatory_sei, w.seilh, [w.school_r2])
    services.enrolment_cancel(by=w.agent, enrolment=cancelled, reason="Erreur de saisie")
    from enrolment.admin_views import totals

    t = totals(w.year)
    assert t["schools"] == 3 and t["enrolments"] == 2
    assert t["amount"] == documents.format_euros(Decimal("123"))
    response = client_for(w.agent).get("/admin/inscriptions/export.csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert set(rows[0]) == {"annee_scolaire", "collectivite", "raison_sociale", "siret", "departement",
                            "academie", "adresse", "representant", "qualite", "nombre_ecoles",
                            "uai_ecoles", "participation_par_ecole", "montant_ttc", "etat",
                            "inscrite_le", "mise_a_jour_le"}
    toulouse = next(r for r in rows if r["collectivite"] == "Toulouse")
    assert toulouse["nombre_ecoles"] == "2" and toulouse["montant_ttc"] == "82.00"
    assert sorted(toulouse["uai_ecoles"].split()) == sorted([w.school_j.uai, w.school_t.uai])
    assert next(r for r in rows if r["collectivite"] == "Seilh")["etat"] == "Annulée"


def test_the_people_of_an_inactive_school_are_told_why_at_login(ew, client):
    import re

    w = ew
    services.activation_sync()

    def told():
        response = client.post("/connexion/", {"username": w.parent.username, "password": "secret"},
                               follow=True)
        found = re.search(r'<ul class="messages">(.*?)</ul>', response.content.decode(), re.S)
        client.post("/deconnexion/")
        return found.group(1) if found else ""

    shown = told()  # her children are at Jaurès (Toulouse) and Jules Ferry (Albi)
    assert "pas ouvert cette année scolaire" in shown
    assert w.school_j.name in shown and "Toulouse" in shown and w.school_f.name in shown
    enrol(w, w.referent_a, w.commune_a, [w.school_j])
    shown = told()
    assert w.school_j.name not in shown and w.school_f.name in shown


def _many(w, n, start, monkeypatch):
    monkeypatch.setattr(documents, "convention_pdf", lambda *a, **k: FAKE_PDF)
    for i in range(start, start + n):
        commune = CollectivityFactory(name=f"Commune {i}")
        school = SchoolFactory(name=f"École {i}", collectivity=commune)
        signatory = UserFactory(username=f"maire.{i}", profiles=["National_COL"])
        directory.role_grant(role=Role.SIGNATORY, user=signatory, collectivity=commune)
        enrol(w, signatory, commune, [school])
    # One collectivity with many enrolments' worth of its own: the referent's home.


@pytest.mark.parametrize(("who", "url", "budget"), [
    ("agent", "/admin/inscriptions/", 20),
    ("agent", "/admin/inscriptions/non-inscrites/", 18),
    ("referent_a", "/inscription/", 6),
])
def test_lists_cost_the_same_with_2_and_12_enrolments(ew, monkeypatch, who, url, budget):
    w = ew
    enrol(w, w.referent_a, w.commune_a, [w.school_j])
    _many(w, 2, 0, monkeypatch)
    services.activation_sync()
    client = client_for(getattr(w, who))
    response, few = queries_of(client, url)
    assert response.status_code == 200
    _many(w, 10, 2, monkeypatch)
    services.activation_sync()
    response, many = queries_of(client, url)
    assert response.status_code == 200
    if "non-inscrites" not in url and url.startswith("/admin"):
        assert "Commune 11" in response.content.decode()
    assert many == few, (url, few, many)
    assert few <= budget, (url, few)


def test_the_enrolment_page_costs_the_same_with_1_and_10_versions(ew, monkeypatch):
    w = ew
    monkeypatch.setattr(documents, "convention_pdf", lambda *a, **k: FAKE_PDF)
    enrolment = enrol(w, w.referent_a, w.commune_a, [w.school_j])
    client = client_for(w.referent_a)
    url = f"/inscription/{enrolment.pk}/"
    _response, few = queries_of(client, url)
    for i in range(9):
        services.enrolment_change_schools(
            by=w.referent_a, enrolment=enrolment,
            school_ids=[w.school_j.pk, w.school_t.pk] if i % 2 == 0 else [w.school_j.pk])
    response, many = queries_of(client, url)
    assert "Convention pré-remplie n° 10" in response.content.decode()
    assert many == few, (few, many)
    staff = client_for(w.agent)
    _r, staff_few = queries_of(staff, f"/admin/inscriptions/{enrolment.pk}/")
    assert staff_few <= 24, staff_few


def test_academie_staff_open_next_year_in_the_admin_without_code(ew):
    """« Campagnes d'inscription »: a new campaign and a new version of the text, as data;
    a version that served stays frozen; nobody else reaches these views."""
    from enrolment.models import AgreementTemplate, EnrolmentYear

    w = ew
    enrol(w, w.referent_a, w.commune_a, [w.school_j])  # version 1 has served
    staff = client_for(w.agent)
    assert staff.get("/admin/enrolment_years/").status_code == 200
    assert staff.get("/admin/agreement_templates/").status_code == 200
    v1 = AgreementTemplate.objects.get(version=1)
    response = staff.post(f"/admin/agreement_templates/edit/{v1.pk}/", {
        "version": 1, "title": v1.title, "body": v1.body + "<p>Ajout</p>"})
    assert response.status_code == 200 and AgreementTemplate.objects.get(pk=v1.pk).body == v1.body
    response = staff.post("/admin/agreement_templates/new/", {
        "version": 2, "title": "Convention 2027-2028",
        "body": v1.body.replace("Préambule", "Préambule 2027")})
    assert response.status_code == 302
    v2 = AgreementTemplate.objects.get(version=2)
    response = staff.post("/admin/enrolment_years/new/", {
        "school_year": "2027-2028", "fee": "42.00", "agreement_ends_on": "2028-09-03",
        "opens_on": "2027-06-01", "enforced_from": "2027-10-01", "template": v2.pk,
        "signatory": "Le recteur de la région académique Occitanie"})
    assert response.status_code == 302
    assert EnrolmentYear.objects.get(school_year="2027-2028").fee == Decimal("42.00")
    for someone in (w.referent_a, w.director_j):
        client = client_for(someone)
        assert client.get("/admin/enrolment_years/").status_code in (302, 403)
        assert client.post("/admin/agreement_templates/new/", {
            "version": 3, "title": "x", "body": "--liste_ecoles--"}).status_code in (302, 403)
    assert not AgreementTemplate.objects.filter(version=3).exists()
