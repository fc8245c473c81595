"""Real concurrency (threads with their own connections, released together — the pattern
of tests/assistance/test_concurrency.py): the two communes of a regroupement enrolling the
same school at once — one wins, the other is told and nothing of hers is written; a double
click on « Inscrire » makes one enrolment; two académie agents taking the same step at once —
one step recorded."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import ModelLogEntry

from enrolment import documents, services
from enrolment.models import EnrolledSchool, Enrolment, Status
from tests.assistance.test_concurrency import race
from tests.enrolment.world import build_enrolment_world, form_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _fast_pdf(monkeypatch):
    monkeypatch.setattr(documents, "convention_pdf", lambda *a, **k: b"%PDF-1.7\n")


def _submit(by, collectivity, schools):
    return lambda: services.enrolment_submit(by=by, collectivity=collectivity, data=form_for(collectivity),
                                             school_ids=[s.pk for s in schools])


def _outcome_kinds(outcomes):
    from django.core.exceptions import ValidationError

    kinds = []
    for kind, value in outcomes:
        if kind == "error" and isinstance(value, ValidationError):
            kinds.append("invalid")
        else:
            kinds.append(kind)
    return sorted(kinds)


def test_two_communes_take_the_same_school_at_once():
    w = build_enrolment_world()
    outcomes = race(_submit(w.signatory_aus, w.aussonne, [w.school_r1]),
                    _submit(w.signatory_sei, w.seilh, [w.school_r1]))
    assert _outcome_kinds(outcomes) == ["invalid", "ok"], outcomes
    assert EnrolledSchool.objects.filter(school=w.school_r1).count() == 1
    assert Enrolment.objects.count() == 1


def test_a_double_click_makes_one_enrolment():
    w = build_enrolment_world()
    outcomes = race(_submit(w.referent_a, w.commune_a, [w.school_j]),
                    _submit(w.referent_a, w.commune_a, [w.school_j]))
    assert sorted(k for k, _ in outcomes) in (["ok", "refused"], ["error", "ok"]), outcomes
    assert Enrolment.objects.count() == 1 and EnrolledSchool.objects.count() == 1


def test_two_agents_take_the_same_step_once():
    w = build_enrolment_world()
    from tests.factories import UserFactory

    other = UserFactory(username="agent.deux", profiles=["National_ACA"])
    enrolment = _submit(w.referent_a, w.commune_a, [w.school_j])()
    services.enrolment_advance(by=w.agent, enrolment=enrolment, to_status=Status.SENT)

    def sign(by):
        return lambda: services.enrolment_advance(
            by=by, enrolment=enrolment, to_status=Status.SIGNED_COLLECTIVITY,
            signed_file=SimpleUploadedFile("s.pdf", b"%PDF-1.7\n", content_type="application/pdf"))

    outcomes = race(sign(w.agent), sign(other))
    assert sorted(k for k, _ in outcomes) == ["ok", "refused"], outcomes
    assert Enrolment.objects.get(pk=enrolment.pk).status == Status.SIGNED_COLLECTIVITY
    assert ModelLogEntry.objects.filter(action="enrolment.advance").count() == 2  # sent, then one signature
    assert enrolment.documents.filter(kind="signed").count() == 1
