"""When a campaign's cover is public: while the campaign is (live, closed or won, in an
approved organisation).

The mechanics are in `groundswell.lib.media`. Members see the cover of any campaign of
their organisation through `views.staff_cover`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from groundswell.lib import media

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

    from .models import Campaign


def cover_path(instance: Campaign, filename: str) -> str:
    return media.unguessable_name(f"campaigns/{instance.organisation_id}", filename)


def cover_names(campaign: Campaign) -> list[str]:
    return [name for name in (campaign.cover.name, campaign.cover_small.name) if name]


def sync_campaign(campaign: Campaign) -> None:
    """Make the cover public exactly when the public may read the campaign."""
    from .models import Campaign

    public = campaign.is_public and campaign.organisation.is_public
    if public:
        media.expose(cover_names(campaign))
    else:
        media.withdraw(cover_names(campaign))
    if campaign.cover_public != public:
        campaign.cover_public = public
        Campaign.objects.filter(pk=campaign.pk).update(cover_public=public)


def after_save(campaign: Campaign, replaced: list[str]) -> None:
    """Last in the transaction that saved `campaign`, so that nothing after it can fail and
    leave files public for a change that was rolled back."""
    sync_campaign(campaign)
    if replaced:
        # The old cover stays until the new one is surely stored.
        transaction.on_commit(lambda: media.delete(replaced), robust=True)


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
