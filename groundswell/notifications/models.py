from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def for_organisation(self, organisation: Organisation) -> OutboxMessageQuerySet:
        """The organisation's own mail to its supporters; never account mail (no organisation)."""
        return self.filter(organisation=organisation)


class OutboxMessage(models.Model):
    """An email kept instead of sent, for the demo and local trials (see backends.py)."""

    # Empty for account mail (password resets, invitations): that is shown to nobody.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    to = models.CharField(max_length=1000)
    subject = models.CharField(max_length=500)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
