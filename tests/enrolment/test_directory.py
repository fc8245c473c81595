"""What the enrolment adds to the directory: a commune may be a member of a regroupement
(and nothing else may), and the role « habilité à inscrire les écoles » — granted by
académie staff, never by the référent ville, ended like any role."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from enrolment import selectors
from profiles import services
from profiles.models import Collectivity, Role, RoleGrant
from tests.factories import CollectivityFactory, UserFactory


def test_only_a_commune_joins_only_a_regroupement(ew):
    w = ew
    w.commune_b.grouping = w.commune_a  # a commune is not a regroupement
    with pytest.raises(ValidationError):
        w.commune_b.full_clean()
    other = CollectivityFactory(name="SIVU", kind=Collectivity.Kind.GROUPING)
    other.grouping = w.sivos
    with pytest.raises(ValidationError):
        other.full_clean()
    w.commune_b.grouping = w.sivos
    w.commune_b.full_clean()


def test_the_signatory_role_is_given_by_academie_staff_and_ends(ew):
    w = ew
    newcomer = UserFactory(username="dgs.toulouse", profiles=["National_COL"])
    with pytest.raises(PermissionDenied):
        services.role_grant(role=Role.SIGNATORY, user=newcomer, collectivity=w.commune_a, by=w.referent_a)
    assert not selectors.may_commit(newcomer, w.commune_a)
    grant = services.role_grant(role=Role.SIGNATORY, user=newcomer, collectivity=w.commune_a, by=w.agent)
    assert selectors.may_commit(newcomer, w.commune_a)
    assert newcomer in selectors.committing_people(w.commune_a)
    services.role_grant_end(grant=grant, at=timezone.now() + datetime.timedelta(days=2), by=w.agent)
    assert selectors.may_commit(newcomer, w.commune_a)
    later = timezone.now() + datetime.timedelta(days=3)
    assert not selectors.may_commit(newcomer, w.commune_a, at=later)
    assert RoleGrant.objects.filter(role=Role.SIGNATORY, user=newcomer).count() == 1
    # A parent cannot hold it: the role needs the collectivity profile.
    with pytest.raises(ValidationError):
        services.role_grant(role=Role.SIGNATORY, user=w.parent, collectivity=w.commune_a, by=w.agent)
