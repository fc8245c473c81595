"""The spaces' collections move below « Espaces des écoles » / « Espaces des
collectivités » and are named « <UAI or SIRET> — <space> » (see
`pages.services.space_collection_name`: appending in identifier order instead of
moving every sibling on each insert).

The tree operations use Wagtail's live `Collection` (treebeard's methods are not
on historical models), only where there are spaces to move: a new database
never reaches it."""

from django.db import migrations

PARENTS = {"school": "Espaces des écoles", "collectivity": "Espaces des collectivités"}


def forwards(apps, schema_editor):
    from wagtail.models import Collection

    kinds = [
        ("school", apps.get_model("pages", "SchoolSpacePage"), "school__uai"),
        ("collectivity", apps.get_model("pages", "CollectivitySpacePage"), "collectivity__siret"),
    ]
    for kind, model, ident in kinds:
        rows = list(model.objects.filter(collection__isnull=False)
                    .values_list("collection_id", ident, "title").order_by(ident))
        if not rows:
            continue  # a new database: nothing to move, and Collection is not touched
        root = Collection.get_first_root_node()
        parent = root.get_children().filter(name=PARENTS[kind]).first() or root.add_child(name=PARENTS[kind])
        for collection_id, identifier, title in rows:
            collection = Collection.objects.get(pk=collection_id)
            collection.name = f"{identifier} — {title}"[:255]
            collection.save(update_fields=["name"])
            parent.refresh_from_db()
            if not collection.path.startswith(parent.path):
                collection.move(parent, pos="sorted-child")


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0005_publications"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
