from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("syndication", "0003_local_timeline"),
    ]

    operations = [
        # Every account stored before this was checked while the page waited: connected.
        migrations.AddField(
            model_name="channelaccount",
            name="state",
            field=models.CharField(
                choices=[
                    ("checking", "Checking"),
                    ("connected", "Connected"),
                    ("failed", "Could not connect"),
                ],
                default="connected",
                max_length=10,
                verbose_name="state",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="channelaccount",
            name="failure_reason",
            field=models.CharField(blank=True, max_length=500),
        ),
    ]
