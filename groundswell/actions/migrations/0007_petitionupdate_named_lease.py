from django.db import migrations, models


class Migration(migrations.Migration):
    # The update step's hand-built `turn_until` claim becomes a named lease (lib/leases.py):
    # the same column under the name the lease helpers use, plus who holds it.

    dependencies = [
        ("actions", "0006_update_deliveries"),
    ]

    operations = [
        migrations.RenameField(
            model_name="petitionupdate",
            old_name="turn_until",
            new_name="until",
        ),
        migrations.AddField(
            model_name="petitionupdate",
            name="holder",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
    ]
