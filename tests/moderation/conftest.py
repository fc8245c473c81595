import pytest


@pytest.fixture
def mworld(db):
    from tests.moderation.world import build_moderation_world

    return build_moderation_world()
