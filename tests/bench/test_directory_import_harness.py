"""The benchmark harness's smoke test (issue 9: « tiny runs in CI »): the AAF files
`bench/directory_import.py` generates are what the import reads — the `tiny` export
imports without a refusal, the directory it leaves is the manifest's, and a second run
finds every school unchanged. Runs on both databases (only the bench's orchestrator
needs PostgreSQL)."""

import pytest

from bench.directory_import import SEED, directory_counts, generate, plan_world, reference_directory
from profiles.importing import run_import
from profiles.models import User

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_tiny_export_imports_as_its_manifest_says(tmp_path):
    reference_directory(plan_world("tiny", SEED))
    manifest = generate("tiny", SEED, tmp_path / "aaf", split=120)
    counts = manifest["counts"]
    assert manifest["records"]["Eleve"] == counts["pupils"] == 300
    assert sum(1 for name in manifest["files"] if "_Eleve_" in name) == 3  # split in parts

    report = run_import(kind="aaf", folder=tmp_path / "aaf", apply=True, by=None)
    assert not report.fatal
    assert [s.status for s in report.schools] == ["applied"] * counts["schools"]
    assert not report.refusals and not any(s.refusals for s in report.schools)
    directory = directory_counts()
    assert directory["schools"] == directory["school_spaces"] == counts["schools"]
    assert directory["classes"] == counts["classes"]
    assert directory["pupils"] == counts["pupils"]
    assert directory["guardians"] == counts["guardians"]
    assert directory["guardian_links"] == counts["links"]
    assert directory["staff"] == counts["staff"]
    assert directory["directors_of_publication"] == counts["schools"]
    users = User.objects.count()

    again = run_import(kind="aaf", folder=tmp_path / "aaf", apply=True, by=None)
    assert [s.status for s in again.schools] == ["unchanged"] * counts["schools"]
    assert User.objects.count() == users
