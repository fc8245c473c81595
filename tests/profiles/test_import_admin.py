"""« Import de l'annuaire » in the admin: upload, dry run, report, confirm — for
académie staff (AAF and ONDE) and for a director on her own school (ONDE only)."""

import html
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from profiles import services
from profiles.models import Attachment, NationalProfile as P, User
from tests.factories import SchoolFactory, UserFactory
from tests.profiles.import_world import UAI_A, build_directory, first_export, uai
from tests.profiles.test_import_aaf import _write, snapshot
from tests.profiles.test_import_onde import onde

pytestmark = pytest.mark.django_db
URL = "/admin/annuaire/import/"


@pytest.fixture
def directory(settings, tmp_path):
    settings.DIRECTORY_IMPORT_DIR = str(tmp_path / "uploads")
    w = build_directory()
    w.staff = UserFactory(username="agent.academie", is_staff=True, profiles=[P.ACADEMIE])
    w.director = UserFactory(username="directrice", profiles=[P.DIRECTOR])
    services.attachment_add(user=w.director, kind=Attachment.Kind.DIRECTOR, school=w.school_a)
    w.teacher = UserFactory(username="enseignant", profiles=[P.TEACHER])
    services.attachment_add(user=w.teacher, kind=Attachment.Kind.TEACHER, school=w.school_a)
    return w


def text(response) -> str:
    return html.unescape(response.content.decode())


def _files(folder):
    return [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]


def _zip(folder):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for p in sorted(folder.iterdir()):
            archive.write(p, f"../../export/{p.name}")  # a hostile path: flattened
    return SimpleUploadedFile("export.zip", buffer.getvalue())


def test_staff_upload_an_aaf_zip_see_the_dry_run_then_confirm(client, directory, tmp_path):
    client.force_login(directory.staff)
    assert client.get(URL).status_code == 200
    before = snapshot()
    response = client.post(URL, {"kind": "aaf", "files": [_zip(_write(tmp_path, first_export()))]})
    body = text(response)
    assert response.status_code == 200 and "Simulation" in body and "Confirmer l'import" in body
    assert "3 élèves inscrits" in body and "1 école créée" in body
    assert snapshot() == before  # nothing written before the confirmation
    token = response.context["token"]
    response = client.post(URL, {"token": token})
    assert "Importée" in text(response)
    assert User.objects.filter(national_id="E1").exists()
    assert not (tmp_path / "uploads" / token).exists()  # the files are gone
    # Confirming twice does nothing more.
    again = client.post(URL, {"token": token})
    assert "n'est plus en attente" in text(again)


def test_a_director_imports_the_onde_extraction_of_her_school(client, directory, tmp_path):
    client.force_login(directory.director)
    page = text(client.get(URL))
    assert "AAF" not in page  # the national files are académie staff's
    files = _files(onde(tmp_path))
    response = client.post(URL, {"kind": "onde", "school": directory.school_a.pk, "files": files})
    assert response.status_code == 200 and "Confirmer l'import" in text(response)
    client.post(URL, {"token": response.context["token"]})
    assert User.objects.filter(first_name="Léa", ent_profiles__profile=P.PUPIL).exists()


def test_a_director_cannot_import_another_school_nor_the_national_files(client, directory, tmp_path):
    other = SchoolFactory(uai=uai("0311007"), collectivity=directory.commune)
    client.force_login(directory.director)
    before = snapshot()
    for data in ({"kind": "onde", "school": other.pk}, {"kind": "aaf"},
                 {"kind": "onde", "uai": other.uai}):
        files = _files(onde(tmp_path, name=f"o{len(data)}{data['kind']}"))
        response = client.post(URL, {**data, "files": files})
        assert response.status_code == 200 and "token" not in response.context
        assert not response.context["report"]
    assert snapshot() == before


def test_a_token_is_only_good_for_the_one_who_uploaded(client, directory, tmp_path, django_user_model):
    client.force_login(directory.staff)
    response = client.post(URL, {"kind": "onde", "uai": UAI_A, "files": _files(onde(tmp_path))})
    token = response.context["token"]
    other = UserFactory(username="autre.agent", is_staff=True, profiles=[P.ACADEMIE])
    client.force_login(other)  # another session
    before = snapshot()
    response = client.post(URL, {"token": token})
    assert "n'est plus en attente" in text(response)
    assert snapshot() == before


def test_nobody_else_reaches_the_import(client, directory, tmp_path):
    for user in (directory.teacher, UserFactory(profiles=[P.PARENT])):
        client.force_login(user)
        assert client.get(URL).status_code in (302, 403, 404)
        response = client.post(URL, {"kind": "onde", "uai": UAI_A, "files": _files(onde(tmp_path))})
        assert response.status_code in (302, 403, 404)
    assert not User.objects.filter(first_name="Léa").exists()
    assert not (tmp_path / "uploads").exists()


def test_a_bad_upload_is_explained(client, directory, tmp_path, settings):
    client.force_login(directory.staff)
    bad = SimpleUploadedFile("export.zip", b"pas une archive")
    response = client.post(URL, {"kind": "aaf", "files": [bad]})
    assert "n'est pas une archive ZIP lisible" in text(response)
    settings.DIRECTORY_IMPORT_UPLOAD_MAX_BYTES = 10
    response = client.post(URL, {"kind": "onde", "uai": UAI_A, "files": _files(onde(tmp_path))})
    assert "trop volumineux" in text(response)
    assert not User.objects.filter(first_name="Léa").exists()
