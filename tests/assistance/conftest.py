import pytest


@pytest.fixture
def aworld(db):
    from tests.assistance.world import build_assistance_world

    return build_assistance_world()
