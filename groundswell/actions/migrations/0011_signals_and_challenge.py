from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("actions", "0010_held_update"),
    ]

    operations = [
        migrations.AddField(
            model_name="petition",
            name="challenge",
            field=models.BooleanField(default=False, verbose_name="browser check"),
        ),
        migrations.AddField(
            model_name="petitiontally",
            name="unverified",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="signature",
            name="proof_key",
            field=models.CharField(blank=True, default="", max_length=48),
        ),
        migrations.AddField(
            model_name="signature",
            name="signals",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="signature",
            index=models.Index(
                condition=models.Q(("proof_key", ""), _negated=True),
                fields=["proof_key"],
                name="signature_proof",
            ),
        ),
    ]
