"""``updated_at`` on quiz attempts and assignment submissions, for the Open API's ``updated_since``
(issue 16): existing rows get the latest time they are known to have changed."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    apps.get_model("assessments", "Attempt").objects.update(
        updated_at=Coalesce("graded_at", "submitted_at", "started_at")
    )
    apps.get_model("assessments", "Submission").objects.update(
        updated_at=Coalesce("graded_at", "submitted_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_index=True, default=django.utils.timezone.now
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="submission",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_index=True, default=django.utils.timezone.now
            ),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
