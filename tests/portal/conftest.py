import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """seed_demo loaded once for the module, inside a transaction rolled back at its end;
    each test (asking for `db` too) runs in its own savepoint."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            cache.clear()
            call_command("seed_demo", "--force", verbosity=0)
            yield
            transaction.set_rollback(True)
    cache.clear()
