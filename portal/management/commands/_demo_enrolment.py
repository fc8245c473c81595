"""The enrolment of the demo (README.md says what to try): the 2026-2027 campaign (41 €
per school, agreement until 4 September 2027, unenrolled schools inactive from
1 October 2026); Toulouse has enrolled Jean Jaurès and Les Tilleuls (convention sent:
`referent.toulouse` may still add La Bastide, which nobody enrolled and is therefore
inactive); Albi's enrolment of Jules Ferry is paid, Montpellier's of Marie Curie signed by
the rector. `agent.academie` follows them in « Inscriptions »."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from enrolment import services
from enrolment.models import AgreementTemplate, Enrolment, EnrolmentYear, Status


def seed_enrolment(schools, communes, users):
    start = int(settings.SCHOOL_YEAR.split("-")[0])
    year, _ = EnrolmentYear.objects.get_or_create(school_year=settings.SCHOOL_YEAR, defaults={
        "fee": Decimal("41.00"), "agreement_ends_on": datetime.date(start + 1, 9, 4),
        "opens_on": datetime.date(start, 6, 1), "enforced_from": datetime.date(start, 10, 1),
        "template": AgreementTemplate.objects.get(version=1)})
    agent = users["agent.academie"]
    plans = [
        ("Toulouse", "Commune de Toulouse", "1 place du Capitole, 31000 Toulouse",
         ("Jean-Luc", "Moudenc", "maire"), ["jaures", "tilleuls"], Status.SENT, users["referent.toulouse"]),
        ("Albi", "Commune d'Albi", "16 rue de l'Hôtel de Ville, 81000 Albi",
         ("Stéphanie", "Guiraud-Chaumeil", "maire"), ["ferry"], Status.PAID, None),
        ("Montpellier", "Ville de Montpellier", "1 place Georges Frêche, 34000 Montpellier",
         ("Michaël", "Delafosse", "maire"), ["curie"], Status.SIGNED_RECTOR, None),
    ]
    for commune, legal, address, (first, last, capacity), keys, target, by in plans:
        collectivity = communes[commune]
        if Enrolment.objects.filter(year=year, collectivity=collectivity).exists():
            continue
        enrolment = services.enrolment_submit(
            by=by, collectivity=collectivity, school_ids=[schools[k].pk for k in keys], data={
                "legal_name": legal, "siret": collectivity.siret, "address": address,
                "representative_first_name": first, "representative_last_name": last,
                "representative_capacity": capacity})
        while enrolment.status != target:
            step = enrolment.next_status
            signed = None
            if step == Status.SIGNED_COLLECTIVITY:
                # The demo's « signed » copy is the pre-filled convention itself.
                document = enrolment.documents.get(kind="prefilled", number=1)
                signed = SimpleUploadedFile("convention-signee.pdf", document.file.read(),
                                            content_type="application/pdf")
            enrolment = services.enrolment_advance(by=agent, enrolment=enrolment, to_status=step,
                                                   signed_file=signed)
    services.activation_sync()
