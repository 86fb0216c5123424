"""When a campaign's cover is public: while the campaign is (live, closed or won, in an
approved organisation).

The mechanics are in `groundswell.lib.media`. Members see the cover of any campaign of
their organisation through `views.staff_cover`.

As for story images (stories/media.py): `sync_campaign` runs in the request and sets
`cover_public`, which decides the address pages link; the files follow at once on the file
system, or in `tasks.settle_campaign_cover` queued on commit in object storage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from groundswell.lib import media

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

    from .models import Campaign

# Rounds `settle_campaign` makes before leaving the rest to a fresh task.
SETTLE_ROUNDS = 3


def cover_path(instance: Campaign, filename: str) -> str:
    return media.unguessable_name(f"campaigns/{instance.organisation_id}", filename)


def cover_names(campaign: Campaign) -> list[str]:
    return [name for name in (campaign.cover.name, campaign.cover_small.name) if name]


def _is_public(campaign: Campaign) -> bool:
    return campaign.is_public and campaign.organisation.is_public


def _place(names: list[str], *, public: bool) -> None:
    if public:
        media.expose(names)
    else:
        media.withdraw(names)


def sync_campaign(campaign: Campaign) -> None:
    """Make the cover public exactly when the public may read the campaign.

    Never calls the network: in object storage the files move in a task queued on commit
    (a newly public cover's address answers 404 until it has run, a few seconds).
    """
    from .models import Campaign

    public = _is_public(campaign)
    if campaign.cover_public != public:
        campaign.cover_public = public
        Campaign.objects.filter(pk=campaign.pk).update(cover_public=public)
    names = cover_names(campaign)
    if not names:
        return
    if media.is_local():
        _place(names, public=public)
    else:
        from .tasks import queue_campaign_cover

        queue_campaign_cover(campaign.pk)


def _wanted(campaign_id: int) -> tuple[bool, list[str]]:
    """Whether the campaign is public now, and its cover's file names, read afresh."""
    from .models import Campaign

    campaign = Campaign.objects.select_related("organisation").filter(pk=campaign_id).first()
    if campaign is None:
        return False, []
    return _is_public(campaign), sorted(cover_names(campaign))


def settle_campaign(campaign_id: int) -> bool:
    """The task's half: the cover's files have the public address exactly while the campaign
    is public; idempotent. True when done, False when the campaign kept changing.

    Read afresh (a task that runs after the campaign went back to draft exposes nothing),
    and again after the files moved, to undo a copy or delete that raced a later change.
    """
    for _round in range(SETTLE_ROUNDS):
        public, names = _wanted(campaign_id)
        _place(names, public=public)
        if _wanted(campaign_id) == (public, names):
            return True
    return False


def delete_names(names: list[str]) -> None:
    """Delete these files, public copies included, once the caller's transaction commits."""
    if not names:
        return
    if media.is_local():
        transaction.on_commit(lambda: media.delete(names), robust=True)
    else:
        from groundswell.lib.tasks import queue_media_deletion

        queue_media_deletion(names)


def after_save(campaign: Campaign, replaced: list[str]) -> None:
    """Last in the transaction that saved `campaign`, so that nothing after it can fail and
    leave files public for a change that was rolled back."""
    sync_campaign(campaign)
    # The old cover stays until the new one is surely stored.
    delete_names(replaced)


def organisation_files(organisation: Organisation) -> list[str]:
    """Every file name of the organisation's campaign covers."""
    from .models import Campaign

    rows = Campaign.objects.filter(organisation=organisation).values_list("cover", "cover_small")
    return [name for pair in rows for name in pair if name]


def sync_organisation(organisation: Organisation) -> None:
    """After an organisation's approval changed: its public campaigns' covers follow."""
    from .models import PUBLIC_STATUSES, Campaign

    for campaign in Campaign.objects.filter(organisation=organisation, status__in=PUBLIC_STATUSES):
        campaign.organisation = organisation
        sync_campaign(campaign)
