"""Scheduling posts: the staff's verbs (conventions, habit 1). The worker sends them
(sending.py); accounts.py connects accounts."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.audit.services import record
from groundswell.safety import services as safety
from groundswell.stories.models import Story

# Callers connect accounts through services, as before: re-exported by name.
from .accounts import ALREADY_CONNECTED as ALREADY_CONNECTED
from .accounts import connect_bluesky as connect_bluesky
from .accounts import connect_local as connect_local
from .accounts import connect_mastodon as connect_mastodon
from .accounts import disconnect_account as disconnect_account
from .length import measure
from .models import Attachment, ChannelAccount, Network, ScheduledPost
from .moves import move
from .workflow import PostState


def check_length(network: str, text: str) -> None:
    length, limit = measure(network, text)
    if length > limit:
        raise ValidationError(
            {
                "text": _(
                    "This is %(length)s characters long; %(network)s allows %(limit)s. "
                    "Shorten it by %(over)s."
                )
                % {
                    "length": length,
                    "limit": limit,
                    "network": Network(network).label,
                    "over": length - limit,
                }
            }
        )


def default_text(story: Story) -> str:
    return f"{story.title}\n\n{settings.SITE_URL}{story.get_absolute_url()}"


@transaction.atomic
def schedule_post(
    membership: Membership,
    story: Story,
    account: ChannelAccount,
    *,
    text: str,
    scheduled_at: datetime,
    attachment: str = Attachment.LINK_CARD,
    safety_reason: str = "",
) -> ScheduledPost:
    """Schedule a story's post; flagged text needs `safety_reason` from someone who may
    let it out (an owner or a safety officer), recorded as an override of this text."""
    require(membership, "content.write")
    if story.organisation_id != membership.organisation_id:
        raise ValidationError(_("Choose one of your organisation's stories."))
    if account.organisation_id != membership.organisation_id or not account.is_usable:
        raise ValidationError({"account": _("Choose one of your connected accounts.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the text of the post.")})
    check_length(account.network, text)
    if attachment not in Attachment.values:
        raise ValidationError({"attachment": _("Choose what to attach.")})
    approved = not membership.organisation.approval_required or membership.can("content.approve")
    now = timezone.now()
    post = ScheduledPost.objects.create(
        organisation=membership.organisation,
        story=story,
        account=account,
        text=text,
        attachment=attachment,
        scheduled_at=scheduled_at,
        created_by=membership.user,
        approved_by=membership.user if approved else None,
        approved_at=now if approved else None,
    )
    # After creating the row, so an override has a post to name; a refusal rolls it back.
    safety.gate(membership, "post", post, text, reason=safety_reason, field="text")
    overridden = safety.covering_override("post", post, text, organisation=post.organisation)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="syndication.schedule",
        target=post,
        summary=_(
            "Scheduled post #%(id)s of story #%(story)s "
            "to %(network)s account #%(account)s at %(when)s"
        )
        % {
            **post.audit_ids(account),
            "when": timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M"),
        },
        changes={
            "text": ["", safety.audit_text(text, flagged=overridden is not None)[:200]],
            "scheduled_at": ["", scheduled_at.isoformat()],
        },
    )
    return post


@transaction.atomic
def approve_post(membership: Membership, post: ScheduledPost) -> None:
    """An owner's approval of a post an editor scheduled in an organisation that requires it."""
    require(membership, "content.approve")
    if post.approved_at is not None:
        return
    safety.require_safe("post", post, post.text, organisation=membership.organisation)
    now = timezone.now()
    ScheduledPost.objects.filter(pk=post.pk, approved_at__isnull=True).update(
        approved_by=membership.user, approved_at=now
    )
    post.approved_by, post.approved_at = membership.user, now
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="syndication.approve",
        target=post,
        summary=_("Approved post #%(id)s of story #%(story)s to %(network)s account #%(account)s")
        % post.audit_ids(),
    )


@transaction.atomic
def retry_post(membership: Membership, post: ScheduledPost) -> None:
    """Put a failed post back in the queue to go out as soon as the worker next looks."""
    require(membership, "content.write")
    previous, account = post.account, post.account
    if not account.is_usable:
        # Disconnecting (or a failed check) failed the posts waiting for that account;
        # reconnecting makes a new row, so the post moves to whichever account on the network
        # is connected (or being checked) now.
        current = (
            ChannelAccount.objects.usable()
            .filter(organisation_id=post.organisation_id, network=account.network)
            .first()
        )
        if current is None:
            raise ValidationError(
                _("No %(network)s account is connected: connect one, then retry.")
                % {"network": account.get_network_display()}
            )
        account = current
    last_error = post.last_error
    if not move(
        post,
        PostState.FAILED,
        PostState.SCHEDULED,
        scheduled_at=timezone.now(),
        attempts=0,
        account=account,
    ):
        raise ValidationError(_("This post is no longer failed; look again."))
    changes = {"last_error": [last_error, ""]}
    if account != previous:
        changes["account"] = [str(previous.pk), str(account.pk)]
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="syndication.retry",
        target=post,
        summary=_("Retried post #%(id)s of story #%(story)s to %(network)s account #%(account)s")
        % post.audit_ids(account),
        changes=changes,
    )


@transaction.atomic
def release_post(
    membership: Membership, post: ScheduledPost, reason: str, *, seen_hash: str
) -> None:
    """Let a held post's flagged text out (an owner or a safety officer, with a reason) and
    put it back in the queue: it goes out at its time, or at once if that has passed."""
    require(membership, "safety.override")
    post = ScheduledPost.objects.select_for_update().get(pk=post.pk)
    organisation = membership.organisation
    if safety.unsafe_findings("post", post, post.text, organisation=organisation):
        safety.override(membership, "post", post, post.text, reason, seen_hash=seen_hash)
    if post.state != PostState.HELD:
        return  # let out before it fell due: it stays scheduled, now covered
    if not move(post, PostState.HELD, PostState.SCHEDULED, last_error=""):
        raise ValidationError(_("This post is no longer held; look again."))
    record(
        organisation=organisation,
        actor=membership.user,
        action="syndication.release",
        target=post,
        summary=_(
            "Released held post #%(id)s of story #%(story)s to %(network)s account #%(account)s"
        )
        % post.audit_ids(),
    )


@transaction.atomic
def cancel_post(membership: Membership, post: ScheduledPost) -> None:
    """Delete a post that has not gone out (scheduled, held or failed)."""
    require(membership, "content.write")
    deleted, _rows = ScheduledPost.objects.filter(
        pk=post.pk, state__in=[PostState.SCHEDULED, PostState.HELD, PostState.FAILED]
    ).delete()
    if not deleted:
        raise ValidationError(_("This post is being sent or was sent; it cannot be cancelled."))
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="syndication.cancel",
        target=post,
        summary=_("Cancelled post #%(id)s of story #%(story)s to %(network)s account #%(account)s")
        % post.audit_ids(),
    )
