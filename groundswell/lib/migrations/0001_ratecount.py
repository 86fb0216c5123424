from django.db import migrations, models


def unlogged(apps, schema_editor):
    # Counts need not survive a crash, so on PostgreSQL the table writes no WAL: a commit
    # that touched only it is not flushed to disk, and the sign path pays no second fsync.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ratelimit_count SET UNLOGGED")


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="RateCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("bucket", models.CharField(max_length=80, unique=True)),
                ("count", models.PositiveIntegerField(default=0)),
                ("expires", models.BigIntegerField(db_index=True)),
            ],
            options={"db_table": "ratelimit_count"},
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop),
    ]
