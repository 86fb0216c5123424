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
