from django.db import migrations


def install_backend(apps, schema_editor):
    """On PostgreSQL: the indexes of the titles' lexemes that suggestions match, and the title
    trigram index rebuilt on ``upper(title)``, the expression Django's ``icontains`` compares
    (search.backends.postgres); the old one on ``title`` served no query."""
    from openclass.search.backends import backend

    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS search_document_title_trgm")
        backend().install(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_index_generation"),
    ]

    operations = [
        migrations.RunPython(install_backend, migrations.RunPython.noop),
    ]
