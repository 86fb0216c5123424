from pathlib import Path

from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def fill_sizes(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    """Sizes of images already stored, read from PRIVATE_MEDIA_ROOT only: a migration makes
    no network call, so in object storage older rows keep 0 (feeds then say 0, which the RSS
    Best Practices Profile gives for an unknown enclosure length)."""
    if settings.MEDIA_STORAGE != "filesystem":
        return
    StoryImage = apps.get_model("stories", "StoryImage")
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    for pk, name in StoryImage.objects.filter(image_bytes=0).values_list("pk", "image").iterator():
        try:
            size = (root / name).stat().st_size
        except (OSError, ValueError):
            continue  # missing or odd: unknown, as before
        StoryImage.objects.filter(pk=pk).update(image_bytes=size)


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0003_card_image_path"),
    ]

    operations = [
        migrations.AddField(
            model_name="storyimage",
            name="image_bytes",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_sizes, migrations.RunPython.noop, elidable=True),
    ]
