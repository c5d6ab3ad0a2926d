"""``updated_at`` on course applications and pay lines, for the Open API's ``updated_since`` (issue
16): existing rows get the latest time they are known to have changed."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    apps.get_model("operations", "Application").objects.update(
        updated_at=Coalesce("state_changed_at", "created_at")
    )
    apps.get_model("operations", "PayLine").objects.update(updated_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0003_surveys"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_index=True, default=django.utils.timezone.now
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payline",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_index=True, default=django.utils.timezone.now
            ),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
