"""``updated_at`` on notifications, for the Open API's ``updated_since`` (issue 16): existing rows
get the latest time they are known to have changed."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    apps.get_model("notifications", "Notification").objects.update(
        updated_at=Coalesce("read_at", "created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_index=True, default=django.utils.timezone.now
            ),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
