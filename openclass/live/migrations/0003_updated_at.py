"""``updated_at`` on live rooms, for the Open API's ``updated_since`` (issue 16): existing rows get
the latest time they are known to have changed."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    apps.get_model("live", "LiveRoom").objects.update(
        updated_at=Coalesce("ended_at", "started_at", "updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0002_server_process"),
    ]

    operations = [
        migrations.AddField(
            model_name="liveroom",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_index=True, default=django.utils.timezone.now
            ),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
