from django.db import models


class OutboxMessage(models.Model):
    """An email kept instead of sent, for the demo and local trials (see backends.py)."""

    to = models.CharField(max_length=1000)
    subject = models.CharField(max_length=500)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
