from django.db import migrations


def install_backend(apps, schema_editor):
    """The backend's install again: on PostgreSQL it adds the indexes of the titles' lexemes
    that suggestions match (search.backends.postgres); what exists is left as it is."""
    from openclass.search.backends import backend

    with schema_editor.connection.cursor() as cursor:
        backend().install(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_index_generation"),
    ]

    operations = [
        migrations.RunPython(install_backend, migrations.RunPython.noop),
    ]
