from django.db import migrations, models


def copy_flag(apps, schema_editor):
    """Those who already sign in with two factors keep being asked for the code."""
    User = apps.get_model("accounts", "User")
    TwoFactor = apps.get_model("accounts", "TwoFactor")
    confirmed = TwoFactor.objects.filter(confirmed_at__isnull=False).values("user_id")
    User.objects.filter(pk__in=confirmed).update(two_factor_on=True)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_user_session_generation'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='two_factor_on',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(copy_flag, migrations.RunPython.noop),
    ]
