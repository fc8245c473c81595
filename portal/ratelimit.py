"""One small rate limiter for the portal's actions that send mail or create work for
someone (password-reset mails, RGPD requests). Login throttling is django-axes'.

Counters live in Django's cache, in fixed windows: the first hit of a window sets the
counter with the window's lifetime, later hits increment it (atomic on Redis and on the
local-memory cache). With several processes the cache must be shared (`REDIS_URL`),
otherwise each process counts on its own. The limits are the setting `RATE_LIMITS`:
``{scope: (hits allowed, window in seconds)}``.

Keys are hashed, so that no e-mail address, username or IP address is written to the
cache as is."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, parts) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f"ratelimit:{scope}:{digest[:40]}"


def hit(scope: str, *parts) -> bool:
    """Count one attempt for `scope` and `parts` (a user id, an address…).

    Returns True while the attempts of the current window stay within the limit,
    False once they exceed it (every call counts, refused ones included)."""
    limit, period = settings.RATE_LIMITS[scope]
    key = _key(scope, parts)
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=period)
        count = 1
    return count <= limit
