"""The share buttons' one stop: count the click, send the browser on to the network.

Share buttons link to the networks' own share pages, which we never see; to count a click
per channel without JavaScript or cookies, a button links here and we answer with a
redirect to the page it stands for, built again from the petition (or story, appeal for
money, event, volunteer need or idea), the token and the channel: nothing from the request
is echoed into the Location, so this is no open redirect. Nothing about the person is kept;
DNT and Sec-GPC turn the count off.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from groundswell.actions import services as actions
from groundswell.actions.access import public_petition
from groundswell.events.access import public_event
from groundswell.events.models import Attendance
from groundswell.ideas import intake as ideas
from groundswell.ideas.access import public_idea
from groundswell.ideas.models import Idea
from groundswell.lib import analytics
from groundswell.lib.analytics import Dims
from groundswell.payments.access import is_gift_share_token_of, public_appeal
from groundswell.referrals import sharing
from groundswell.stories.access import public_story
from groundswell.volunteers.access import public_need, shared_signup


class ShareRedirect(HttpResponseRedirect):
    # The email button opens the reader's mail program.
    allowed_schemes = ["https", "mailto"]  # noqa: RUF012 - Django's own attribute, as it is


def _go(request: HttpRequest, panel: dict[str, object], channel: str, dims: Dims) -> HttpResponse:
    target = sharing.share_target(panel, channel)
    if target is None:
        raise Http404
    if not analytics.refused(request.META):
        analytics.count("share_click", dims._replace(channel=channel))
    response = ShareRedirect(target)
    # The network's page need not learn the share token from a Referer: it is in the text.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@never_cache
def share_petition(
    request: HttpRequest, org_slug: str, petition_id: int, channel: str, token: str
) -> HttpResponse:
    petition = public_petition(org_slug, petition_id)
    if not actions.is_share_token_of(petition, token):
        raise Http404
    dims = Dims(petition.organisation_id, petition.campaign_id, petition.pk)
    return _go(request, sharing.share_links(petition, token), channel, dims)


@require_GET
@never_cache
def share_gift(
    request: HttpRequest, org_slug: str, campaign_slug: str, channel: str, token: str
) -> HttpResponse:
    """A donor's share button on the thank-you page: counted for the appeal's campaign."""
    appeal = public_appeal(org_slug, campaign_slug)
    if not is_gift_share_token_of(appeal, token):
        raise Http404
    campaign = appeal.campaign
    panel = sharing.gift_share_links(
        campaign.title, appeal.get_absolute_url(), token, org=org_slug, campaign=campaign.slug
    )
    return _go(request, panel, channel, Dims(appeal.organisation_id, appeal.campaign_id))


@require_GET
@never_cache
def share_story(request: HttpRequest, org_slug: str, slug: str, channel: str) -> HttpResponse:
    story = public_story(org_slug, slug)
    dims = Dims(story.organisation_id, story.campaign_id or 0, story_id=story.pk)
    return _go(request, sharing.story_share_links(story), channel, dims)


def _holds(token: str, rows: Any) -> bool:
    """Whether `token` is one of `rows`' share tokens (a made-up one is a 404: nothing to count)."""
    return token.isascii() and len(token) <= 32 and rows.filter(share_token=token).exists()


@require_GET
@never_cache
def share_event(
    request: HttpRequest, org_slug: str, event_id: int, channel: str, token: str
) -> HttpResponse:
    """An attendee's share button: counted for the event's campaign."""
    event = public_event(org_slug, event_id)
    if not _holds(token, Attendance.objects.filter(event=event)):
        raise Http404
    panel = sharing.event_share_links(
        event.title, event.get_absolute_url(), token, org=org_slug, event_id=event.pk
    )
    return _go(request, panel, channel, Dims(event.organisation_id, event.campaign_id or 0))


@require_GET
@never_cache
def share_need(
    request: HttpRequest, org_slug: str, need_id: int, channel: str, token: str
) -> HttpResponse:
    """A volunteer's share button: counted for the need's campaign."""
    need = public_need(org_slug, need_id)
    shared_signup(need, token)  # the volunteers' own check of a thank-you page's token: 404
    panel = sharing.need_share_links(
        need.title, need.get_absolute_url(), token, org=org_slug, need_id=need.pk
    )
    return _go(request, panel, channel, Dims(need.organisation_id, need.campaign_id or 0))


@require_GET
@never_cache
def share_idea(
    request: HttpRequest, org_slug: str, idea_id: int, channel: str, token: str
) -> HttpResponse:
    """A voter's or the author's share button: counted for the challenge's campaign."""
    idea = public_idea(org_slug, idea_id)
    if not (ideas.is_token_of(idea, token) or _holds(token, Idea.objects.filter(pk=idea.pk))):
        raise Http404
    panel = sharing.idea_share_links(
        idea.title, idea.get_absolute_url(), token, org=org_slug, idea_id=idea.pk
    )
    dims = Dims(idea.organisation_id, idea.challenge.campaign_id or 0)
    return _go(request, panel, channel, dims)
