import pytest


@pytest.fixture
def ew(db):
    from tests.enrolment.world import build_enrolment_world

    return build_enrolment_world()
