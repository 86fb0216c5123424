from django.db import migrations, models


class Migration(migrations.Migration):
    """The moderation item is now the one place a reply's state is kept."""

    dependencies = [("federation", "0006_replies_into_the_moderation_queue")]

    operations = [
        migrations.RemoveIndex(model_name="interaction", name="federation__story_i_d1d072_idx"),
        migrations.AddIndex(
            model_name="interaction",
            index=models.Index(fields=["story", "kind"], name="federation_story_kind_idx"),
        ),
        migrations.RemoveField(model_name="interaction", name="moderated_by"),
        migrations.RemoveField(model_name="interaction", name="state"),
    ]
