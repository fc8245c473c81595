"""The workflow's emails go through Django's task framework: at once with the immediate
backend (tests, the demo), stored in the database and sent by `db_worker` in
production (django-tasks-db with django-tasks 0.12)."""

import pytest
from django.core import mail
from django.core.management import call_command

from pages.notifications import send_portal_mail

# Serialized rollback, like every transactional test here: the flush after it must not
# leave fresh content types that the next serialized restore would collide with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_database_backend_queues_and_the_worker_sends(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = send_portal_mail.enqueue(subject="À valider : « Kermesse »", body="Bonjour",
                                      recipients=["directrice@example.org"])
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
    call_command("db_worker", batch=True, verbosity=0)
    assert [m.to for m in mail.outbox] == [["directrice@example.org"]]
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"


def test_immediate_backend_by_default():
    send_portal_mail.enqueue(subject="Publiée", body="Bonjour", recipients=["a@example.org",
                                                                            "b@example.org"])
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees another's address
