"""Who is acting, for the rules enforced at the data layer.

Services receive their actor explicitly (`by=`). A few rules must also hold for
doors that no service of ours sits behind — Wagtail's user forms and bulk actions,
any view a future Wagtail release adds — so they are checked where every door
meets: in model signals and querysets. Those need to know who is acting: the
user of the current request (set by `ActorMiddleware`), or the one given to
`acting_as()` in a command or a test. Outside a request and without `acting_as`,
the actor is the system (None): management commands and imports are trusted."""

from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar = ContextVar("portal_actor", default=None)


def current_actor():
    """The acting user, or None for the system. Anonymous visitors count as actors
    without rights (never as the system)."""
    value = _actor.get()
    return value() if callable(value) else value


@contextmanager
def acting_as(user):
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


class ActorMiddleware:
    """Right after AuthenticationMiddleware: the request's user is the actor for
    everything done while serving the request (resolved lazily)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _actor.set(lambda: request.user)
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)
