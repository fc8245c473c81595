"""The portal's one rate limiter (portal/ratelimit.py), and its use on RGPD requests:
past the limit a request is refused with a French message and nothing is stored."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from portal import ratelimit
from profiles import services
from profiles.models import DataRequest

K = DataRequest.Kind


@pytest.fixture
def small_limits(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "test": (2, 60)}


def test_hits_are_allowed_up_to_the_limit_then_refused(small_limits):
    assert ratelimit.hit("test", "a") is True
    assert ratelimit.hit("test", "a") is True
    assert ratelimit.hit("test", "a") is False
    assert ratelimit.hit("test", "a") is False
    assert ratelimit.hit("test", "b") is True  # another key, its own count


def test_the_count_starts_again_with_a_new_window(small_limits):
    for _ in range(3):
        ratelimit.hit("test", "a")
    cache.delete(ratelimit._key("test", ("a",)))  # what the window's expiry does
    assert ratelimit.hit("test", "a") is True


def test_no_address_or_name_is_written_in_the_cache_key(small_limits):
    key = ratelimit._key("test", ("claire.martin@example.org", "203.0.113.9"))
    assert "claire" not in key and "203.0.113" not in key


def test_the_sixth_rgpd_request_of_the_day_is_refused_and_not_stored(world):
    limit, period = settings.RATE_LIMITS["data_request_user"]
    assert (limit, period) == (5, 24 * 3600)
    for n in range(limit):
        services.data_request_submit(user=world.parent, kind=K.RECTIFICATION, message=f"Demande {n}")
    before = DataRequest.objects.count()

    with pytest.raises(ValidationError) as refused:
        services.data_request_submit(user=world.parent, kind=K.RECTIFICATION, message="Encore une")

    assert "Réessayez demain" in " ".join(refused.value.messages)
    assert DataRequest.objects.count() == before == limit
    assert not DataRequest.objects.filter(message="Encore une").exists()
    # Somebody else still may.
    services.data_request_submit(user=world.teacher_j, kind=K.RECTIFICATION, message="Ma demande")
    assert DataRequest.objects.count() == limit + 1


def test_an_invalid_request_does_not_use_up_the_allowance(world):
    for _ in range(10):
        with pytest.raises(ValidationError):
            services.data_request_submit(user=world.parent, kind=K.RECTIFICATION, message="  ")
    services.data_request_submit(user=world.parent, kind=K.RECTIFICATION, message="Valable")
    assert DataRequest.objects.filter(user=world.parent).count() == 1


def test_the_refusal_is_shown_on_my_data_and_nothing_is_stored(world, client):
    client.force_login(world.parent)
    for n in range(5):
        response = client.post("/mes-donnees/", {"kind": K.RECTIFICATION, "message": f"Demande {n}"})
        assert response.status_code == 302 and response["Location"] == "/mes-donnees/"
    before = DataRequest.objects.count()

    response = client.post("/mes-donnees/", {"kind": K.RECTIFICATION, "message": "Encore une"})

    assert response.status_code == 200
    assert "Réessayez demain" in response.content.decode()
    assert DataRequest.objects.count() == before == 5
