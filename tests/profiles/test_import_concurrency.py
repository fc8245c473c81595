"""Two imports applied at the same time (a director's upload and académie staff's, say)
are serialised: the second plans after the first committed, so a pupil without a
national key is created once, not twice. Real threads with their own connections
(the pattern of tests/moderation/test_concurrency.py)."""

import threading

import pytest
from django.db import connection

from profiles.importing import run_import
from profiles.models import Attachment, NationalProfile as P, User
from tests.profiles.import_world import UAI_A, build_directory
from tests.profiles.test_import_onde import onde

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_concurrent_onde_imports_of_a_school_create_each_person_once(tmp_path):
    build_directory()
    folders = [onde(tmp_path, name="first"), onde(tmp_path, name="second")]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run(folder):
        try:
            barrier.wait(timeout=30)
            reports.append(run_import(kind="onde", uai=UAI_A, folder=folder, apply=True))
        except Exception as exc:  # reported below, never swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in folders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors and len(reports) == 2, errors
    statuses = sorted(r.schools[0].status for r in reports)
    assert statuses == ["applied", "unchanged"], [r.as_text() for r in reports]
    assert User.objects.filter(ent_profiles__profile=P.PUPIL).count() == 3
    assert User.objects.filter(ent_profiles__profile=P.PARENT).count() == 2
    assert Attachment.objects.filter(kind=Attachment.Kind.PUPIL).count() == 3
