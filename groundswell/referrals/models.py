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


class EvangelistRanking(models.Model):
    """The evangelist ranking of an organisation (campaign empty) or of one campaign, as the
    refresh task last computed it (referrals/tasks.py). Pages read this row; none ranks.

    `entries` is the list in rank order, each {"supporter", "downstream", "direct", "rsvps",
    "volunteers"} (the last two from referrals/credit.py; rows stored before them lack them),
    the first DETAILED of them also with "new" and "channels" (what the staff page shows).
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    entries = models.JSONField(default=list)
    signatures = models.PositiveBigIntegerField(default=0)  # how many were ranked
    seconds = models.FloatField(default=0)  # how long reading and ranking took
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(campaign__isnull=True),
                name="one_organisation_ranking",
            ),
            models.UniqueConstraint(
                fields=["organisation", "campaign"], name="one_campaign_ranking"
            ),
        ]

    def __str__(self) -> str:
        return f"ranking of {self.organisation_id}/{self.campaign_id or '-'}"


class RankingBlock(models.Model):
    """What the ranking reads of an organisation's signatures whose ids fall in one block
    (referrals/digest.py): four integers a signature, packed, so that ranking ten million
    signatures reads a few hundred values instead of ten million rows.

    `stale_since` marks a block to build again although none of its rows changed their
    `updated_at`: a deleted signature leaves no row to notice (digest.forget).
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    number = models.PositiveIntegerField()  # ids number * BLOCK + 1 … (number + 1) * BLOCK
    rows = models.BinaryField()
    count = models.PositiveIntegerField()
    built_at = models.DateTimeField()
    stale_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="one_block_each")
        ]
        indexes = [models.Index(fields=["organisation", "built_at"])]

    def __str__(self) -> str:
        return f"block {self.number} of {self.organisation_id}"


class RankingDigest(models.Model):
    """How far an organisation's blocks are known to be up to date (referrals/digest.py)."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    # The refresh that last finished began here: a row changed later is yet to be read.
    checked_at = models.DateTimeField()
    through = models.PositiveBigIntegerField(default=0)  # the highest signature id then

    def __str__(self) -> str:
        return f"digest of {self.organisation_id}"
