import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """``updated_at`` on users and organisations, for the Open API's ``updated_since``; rows that
    exist get the moment of the migration."""

    dependencies = [("accounts", "0002_user_resume_at_login")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True,
                db_index=True,
                default=django.utils.timezone.now,
                verbose_name="updated",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="user",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True,
                db_index=True,
                default=django.utils.timezone.now,
                verbose_name="updated",
            ),
            preserve_default=False,
        ),
    ]
