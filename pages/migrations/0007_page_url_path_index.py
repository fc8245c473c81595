"""An index on Wagtail's `wagtailcore_page.url_path`, which Wagtail does not index.

`pages.reading.fast_route` finds a URL's pages by their `url_path` (one query for the
whole chain): without an index PostgreSQL read the whole page table for every page
served — 61 ms per request at académie scale (400,000 publications, bench/run.py),
under 1 ms with it. The index is SQL of our own (the model is Wagtail's); both
databases accept the statement."""

from django.db import migrations

INDEX = "pages_wagtailcore_page_url_path"


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0006_space_collections_by_identifier"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailcore_page (url_path)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
