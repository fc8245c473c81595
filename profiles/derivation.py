"""How the directory tells what depends on it that a structure changed.

The directory (`profiles`) owns people, structures, attachments and grants; what
is derived from them (spaces, groups, page permissions: `pages.rights`) lives in
apps that depend on the directory, never the other way round. So the services
of `profiles` do not import `pages`: they call `structure_changed(...)`, and the
dependants register, in their `AppConfig.ready()`, the function that brings
their derived state up to date. It is an explicit, ordered call made by the
service inside its transaction — not a model signal — so that it is visible in
the service, and refused changes (which raise before) never reach it.

Batches (imports, bulk changes) wrap their work in `deferred()`: each touched
structure is then derived once, when the batch ends, instead of after each of
the thousands of attachments it adds."""

from contextlib import contextmanager
from contextvars import ContextVar

# What changed: RIGHTS (who holds what) or STRUCTURE (created, renamed, closed: the
# space must follow too). STRUCTURE includes RIGHTS.
RIGHTS = "rights"
STRUCTURE = "structure"
ACADEMIE = "academie"  # the académie group (holders of the académie profile)

_handlers: list = []
_pending: ContextVar[dict | None] = ContextVar("derivation_pending", default=None)


def register(handler) -> None:
    """`handler(structure, what)`: `structure` is a School, a Collectivity or ACADEMIE."""
    if handler not in _handlers:
        _handlers.append(handler)


def _key(structure):
    if structure == ACADEMIE:
        return (ACADEMIE, None)
    return (type(structure), structure.pk)


def structure_changed(structure, what: str = RIGHTS) -> None:
    pending = _pending.get()
    if pending is not None:
        key = _key(structure)
        if pending.get(key) != STRUCTURE:
            pending[key] = what
        return
    for handler in _handlers:
        handler(structure, what)


@contextmanager
def deferred():
    """Derive each touched structure once, at the end of the block (if it succeeds).
    Nested blocks join the outermost one."""
    if _pending.get() is not None:
        yield
        return
    pending: dict = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for (model, pk), what in pending.items():
        if model == ACADEMIE:
            structure = ACADEMIE
        else:
            structure = model._default_manager.filter(pk=pk).first()
            if structure is None:
                continue
        for handler in _handlers:
            handler(structure, what)
