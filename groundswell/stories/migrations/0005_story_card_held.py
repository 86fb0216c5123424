from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('stories', '0004_image_bytes'),
    ]

    operations = [
        migrations.AddField(
            model_name='story',
            name='card_held',
            field=models.CharField(blank=True, default='', editable=False, max_length=200),
        ),
    ]
