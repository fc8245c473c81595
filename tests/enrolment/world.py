"""The enrolment world: tests/worlds.py (Toulouse with Jaurès and Les Tilleuls, Albi with
Jules Ferry, referent.toulouse, a parent of Jaurès…), a campaign for the school year in
course (41 €, agreement until 4 September 2027; unenrolled schools inactive from
`enforced_from`), académie staff, and a regroupement — the SIVOS des Coteaux, in charge
of two schools, whose member communes Aussonne and Seilh each pay their own share
(a signatory each)."""

import datetime
from decimal import Decimal

from django.conf import settings

from enrolment.models import AgreementTemplate, EnrolmentYear
from profiles import services
from profiles.models import Collectivity, NationalProfile as P, Role
from tests.factories import CollectivityFactory, SchoolFactory, UserFactory
from tests.worlds import build_world

FORM = {
    "legal_name": "Commune de Toulouse", "address": "1 place du Capitole, 31000 Toulouse",
    "representative_first_name": "Jean-Luc", "representative_last_name": "Moudenc",
    "representative_capacity": "maire",
}


def form_for(collectivity, **changes):
    return {**FORM, "legal_name": f"Commune de {collectivity.name}", "siret": collectivity.siret,
            **changes}


def open_year(*, enforced_from=None, school_year=None, fee="41.00"):
    start = int((school_year or settings.SCHOOL_YEAR).split("-")[0])
    return EnrolmentYear.objects.create(
        school_year=school_year or settings.SCHOOL_YEAR, fee=Decimal(fee),
        agreement_ends_on=datetime.date(start + 1, 9, 4), opens_on=datetime.date(start - 1, 6, 1),
        enforced_from=enforced_from or datetime.date(start - 1, 6, 2),
        template=AgreementTemplate.objects.get(version=1))


def build_enrolment_world(*, year=True):
    w = build_world()
    w.agent = UserFactory(username="agent.academie", first_name="Martine", last_name="Vidal",
                          profiles=[P.ACADEMIE])
    w.sivos = CollectivityFactory(name="SIVOS des Coteaux", kind=Collectivity.Kind.GROUPING)
    w.aussonne = CollectivityFactory(name="Aussonne", grouping=w.sivos)
    w.seilh = CollectivityFactory(name="Seilh", grouping=w.sivos)
    w.school_r1 = SchoolFactory(name="École des Coteaux", city="Aussonne", collectivity=w.sivos)
    w.school_r2 = SchoolFactory(name="École du Château", city="Seilh", collectivity=w.sivos)
    w.signatory_aus = UserFactory(username="mairie.aussonne", profiles=[P.COLLECTIVITY])
    w.signatory_sei = UserFactory(username="mairie.seilh", profiles=[P.COLLECTIVITY])
    services.role_grant(role=Role.SIGNATORY, user=w.signatory_aus, collectivity=w.aussonne)
    services.role_grant(role=Role.SIGNATORY, user=w.signatory_sei, collectivity=w.seilh)
    for user in (w.referent_a, w.signatory_aus, w.signatory_sei, w.agent):
        type(user).objects.filter(pk=user.pk).update(email=f"{user.username}@example.org")
        user.email = f"{user.username}@example.org"
    w.year = open_year() if year else None
    return w
