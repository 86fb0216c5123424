# The vote row becomes the queue of its confirmation email (ideas/vote_emails.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ideas', '0002_vote_token'),
    ]

    operations = [
        # Every vote recorded before this had its email queued as a task of its own (which
        # still runs, or ran): added as emailed, so the new sender does not write a second
        # time. Only votes recorded from now on start owing it (the default below).
        migrations.AddField(
            model_name='vote',
            name='confirmation_emailed',
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name='vote',
            name='confirmation_emailed',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='vote',
            name='email_attempts',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='vote',
            name='email_retry_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='vote',
            index=models.Index(condition=models.Q(('confirmation_emailed', False), ('state', 'pending')), fields=['id'], name='vote_email_owed'),
        ),
    ]
