from django.db import models


class RateCount(models.Model):
    """Events counted in one fixed window for one limit and one client (see ratelimit.py).

    `bucket` names the limit, a hash of the client and the window, so each row is
    written by one atomic upsert and never read back apart from that statement.
    """

    bucket = models.CharField(max_length=80, unique=True)
    count = models.PositiveIntegerField(default=0)
    # Unix seconds after which the window is over and the row may go.
    expires = models.BigIntegerField(db_index=True)

    class Meta:
        db_table = "ratelimit_count"

    def __str__(self) -> str:
        return f"{self.bucket}: {self.count}"


class PeriodicLease(models.Model):
    """Which run of a periodic task is working now (lib/periodic.py): one row per task.

    A run works only while it holds the lease (`holder`, until `until`), so two runs of one
    task never overlap across workers and nodes. `failures` counts the task's failed runs
    in a row, for the back-off between them.
    """

    name = models.CharField(max_length=200, primary_key=True)
    holder = models.CharField(max_length=100, blank=True, default="")
    until = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "periodic_lease"

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or 'free'}"
