from io import StringIO

from django.contrib.auth.models import Group
from django.core.management import call_command

from pages.models import CollectivitySpacePage, SchoolSpacePage
from pages.rights import derived_state, deriving
from pages.services import space_ensure_for_school
from tests.factories import CollectivityFactory, SchoolFactory


def test_create_spaces_creates_the_missing_ones_once(db):
    schools = SchoolFactory.create_batch(3)
    CollectivityFactory()
    out = StringIO()
    call_command("create_spaces", stdout=out)
    assert "3 école(s)" in out.getvalue()
    assert SchoolSpacePage.objects.count() == 3
    assert CollectivitySpacePage.objects.count() == 4  # 3 communes of the schools + 1
    out = StringIO()
    call_command("create_spaces", stdout=out)
    assert "0 école(s), 0 collectivité(s)" in out.getvalue()
    space = SchoolSpacePage.objects.get(school=schools[0])
    assert space.url_path.startswith("/accueil/ecoles/")
    assert space_ensure_for_school(schools[0]).pk == space.pk


def test_school_space_is_not_under_its_commune(db):
    school = SchoolFactory()
    call_command("create_spaces", stdout=StringIO())
    school_space = SchoolSpacePage.objects.get(school=school)
    commune_space = CollectivitySpacePage.objects.get(collectivity=school.collectivity)
    assert not school_space.is_descendant_of(commune_space)


def test_homonym_schools_get_distinct_slugs(db):
    a = SchoolFactory(name="École Jules Ferry", city="Toulouse")
    b = SchoolFactory(name="École Jules Ferry", city="Toulouse")
    call_command("create_spaces", stdout=StringIO())
    slugs = {SchoolSpacePage.objects.get(school=s).slug for s in (a, b)}
    assert slugs == {"ecole-jules-ferry-toulouse", f"ecole-jules-ferry-toulouse-{b.uai.lower()}"}


def test_sync_rights_command_restores_deleted_groups(world):
    before = derived_state()
    with deriving():  # groups lost (a bad restore, say): only the derivation may delete them
        Group.objects.filter(space_group__isnull=False).delete()
    out = StringIO()
    call_command("sync_rights", stdout=out)
    assert "Droits recalculés : 3 école(s), 2 collectivité(s)." in out.getvalue()
    assert derived_state() == before
