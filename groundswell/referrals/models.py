from __future__ import annotations

import secrets

from django.db import models


def new_token() -> str:
    # 16 random bytes: unguessable, and says nothing about who holds it.
    return secrets.token_urlsafe(16)


class ShareToken(models.Model):
    """A supporter's personal share link for one petition."""

    token = models.CharField(max_length=32, unique=True, default=new_token)
    supporter = models.ForeignKey(
        "supporters.Supporter", on_delete=models.CASCADE, related_name="share_tokens"
    )
    petition = models.ForeignKey("actions.Petition", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # A person may hold several links for one petition (say, one from the web form and
        # one from an API client); every one of them credits them.
        indexes = [models.Index(fields=["supporter", "petition"])]

    def __str__(self) -> str:
        return self.token
