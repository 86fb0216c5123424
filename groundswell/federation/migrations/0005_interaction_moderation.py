import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0004_instance_actor"),
        ("moderation", "0001_initial"),
        ("stories", "0004_image_bytes"),
    ]

    operations = [
        migrations.AddField(
            model_name="interaction",
            name="moderation",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="fediverse_interaction",
                to="moderation.moderationitem",
            ),
        ),
    ]
