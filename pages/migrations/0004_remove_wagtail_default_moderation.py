"""Remove Wagtail's default moderation data.

Wagtail's initial migrations create the « Moderators » and « Editors » groups, with
add/change/publish/lock on the root page and on the root collection, and the
« Moderators approval » workflow attached to the root page. In this portal, page
rights come only from the directory (derived groups, pages.rights): anyone put in
« Moderators » would publish in every space, and a teacher's submission would go to
a group nobody derived. The per-space approval by the director of publication
comes with the publishing feature."""

from django.db import migrations

DEFAULT_GROUPS = ["Moderators", "Editors"]
DEFAULT_WORKFLOW = "Moderators approval"


def remove_defaults(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")

    workflows = Workflow.objects.filter(name=DEFAULT_WORKFLOW)
    task_ids = list(
        Task.objects.filter(workflow_tasks__workflow__in=workflows).values_list("pk", flat=True)
    )
    # Workflow states in progress under the default workflow (none on a fresh
    # install) go with it: they point to a group that will not exist any more.
    WorkflowState.objects.filter(workflow__in=workflows).delete()
    workflows.delete()  # its WorkflowPage and WorkflowTask rows cascade
    Task.objects.filter(pk__in=task_ids, workflow_tasks__isnull=True).delete()
    Group.objects.filter(name__in=DEFAULT_GROUPS, space_group__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0003_spacegroup_academie"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(remove_defaults, migrations.RunPython.noop)]
