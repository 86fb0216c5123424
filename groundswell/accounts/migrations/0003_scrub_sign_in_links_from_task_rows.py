"""Blank the body of account mail already sent through the queue.

Before, reset and invitation emails were queued whole: django-tasks-db keeps a row after it
ran, so its arguments still held a working sign-in link. Rows of mail already sent (or given
up on) lose the body; mail still waiting goes out as it is.
"""

import json

from django.db import migrations

SEND_EMAIL = "groundswell.notifications.tasks.send_email"
SIGN_IN_PATHS = ("/accounts/reset/", "/accounts/invitation/")
REMOVED = "(removed: this email held a sign-in link)"


def scrub(apps, schema_editor):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    rows = DBTaskResult.objects.filter(task_path=SEND_EMAIL, status__in=("SUCCESSFUL", "FAILED"))
    for row in rows.iterator():
        if not any(path in json.dumps(row.args_kwargs) for path in SIGN_IN_PATHS):
            continue
        kwargs = dict(row.args_kwargs.get("kwargs", {}), body=REMOVED)
        row.args_kwargs = {"args": [], "kwargs": kwargs}
        row.save(update_fields=["args_kwargs"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_organisation_approval"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
