"""Version 1 of the agreement's text (enrolment/agreement/convention-v1.html), so that a
campaign can be opened without writing it by hand. Later versions are made in the admin."""

from pathlib import Path

from django.db import migrations

TEXT = Path(__file__).resolve().parent.parent / "agreement" / "convention-v1.html"


def forwards(apps, schema_editor):
    AgreementTemplate = apps.get_model("enrolment", "AgreementTemplate")
    AgreementTemplate.objects.get_or_create(version=1, defaults={
        "title": "Convention de partenariat ENT-école — région académique Occitanie",
        "body": TEXT.read_text(encoding="utf-8"),
    })


class Migration(migrations.Migration):
    dependencies = [("enrolment", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
