"""The demo's ONDE extraction of Jean Jaurès (docs/exemples/onde-jaures/), as README
tells agent.academie and directrice.jaures to try it: the dry run announces what README
says, the import keeps every demo login working, and a second import changes nothing."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from profiles import selectors
from profiles.importing import run_import
from profiles.models import Attachment, School, User

EXAMPLE = Path(settings.BASE_DIR) / "docs" / "exemples" / "onde-jaures"
JAURES = "0311234Y"


def test_the_readme_s_dry_run(demo, db):
    report = run_import(kind="onde", uai=JAURES, folder=EXAMPLE,
                        by=User.objects.get(username="directrice.jaures"))
    assert report.ok, report.as_text()
    counts = report.schools[0].counts
    assert counts["pupils_arrived"] == 1 and counts["accounts_created"] == 2
    assert counts["accounts_updated"] == 3 and counts["pupils_left"] == 0
    assert not User.objects.filter(first_name="Jade").exists()


def test_the_import_keeps_the_demo_and_runs_once(demo, db):
    staff = User.objects.get(username="agent.academie")
    report = run_import(kind="onde", uai=JAURES, folder=EXAMPLE, apply=True, by=staff)
    assert report.schools[0].status == "applied", report.as_text()
    jade = User.objects.get(first_name="Jade")
    assert not jade.has_usable_password()
    school = School.objects.get(uai=JAURES)
    assert selectors.user_school_ids(User.objects.get(username="parent.martin")) >= {school.pk}
    assert Attachment.objects.current().filter(user__username="eleve.martin", kind="pupil").exists()
    assert Attachment.objects.current().filter(user__username="enseignant.jaures",
                                               school_class__name="CM1 A").exists()
    again = run_import(kind="onde", uai=JAURES, folder=EXAMPLE, apply=True, by=staff)
    assert again.schools[0].status == "unchanged", again.as_text()


def test_the_director_of_another_school_may_not(demo, db):
    with pytest.raises(PermissionDenied):
        run_import(kind="onde", uai=JAURES, folder=EXAMPLE,
                   by=User.objects.get(username="directrice.ferry"))
