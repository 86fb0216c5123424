"""Sending scheduled posts: what the worker does (tasks.dispatch_due_posts).

A due post is claimed with one conditional UPDATE (scheduled → sending, workflow.py) that
also checks it may still go out; temporary failures are retried with back-off
(`lib.leases.Retry`), and a post left in "sending" by a crash is marked failed for a person
to decide, never sent again by itself. Every time here reads the one clock, `leases.now()`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.accounts.models import of_public_organisation
from groundswell.audit.services import record
from groundswell.lib import leases
from groundswell.safety import services as safety
from groundswell.safety.guard import Finding
from groundswell.stories.gated_text import story_text
from groundswell.stories.workflow import State as StoryState

from . import bluesky, crypto, local, mastodon
from .models import Attachment, ChannelAccount, Network, ScheduledPost
from .moves import move
from .outgoing import Delivered, DeliveryError, Image, Link, Outgoing
from .workflow import AccountState, PostState

logger = logging.getLogger(__name__)

RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5))
# A post claimed longer ago than this was interrupted (the worker died mid-send).
STUCK_AFTER = timedelta(minutes=10)
# The claim is the move to "sending" with its `claimed_at` (a post has its own states, so
# not `leases.claim`); its lease and the waits between attempts are the common ones.
RETRY = leases.Retry(lease=STUCK_AFTER, waits=RETRY_AFTER)
MAX_AUTOMATIC_ATTEMPTS = RETRY.attempts
NOT_PUBLISHED = gettext_lazy("Waiting: the story is not published on the hub yet.")
UNAPPROVED = gettext_lazy("Waiting: an owner has to approve this post.")
# What lets a due post go out, as filters, so that the claim itself checks them: a story
# unpublished after the worker loaded the post must stop it (habit 6).
PUBLISHED = Q(story__state=StoryState.PUBLISHED)
APPROVED = Q(organisation__approval_required=False) | Q(approved_at__isnull=False)
# An organisation a site operator has not approved yet posts nowhere public; the demo
# timeline is a staff page, so it can still be tried there.
MAY_GO_OUT = of_public_organisation() | Q(account__network=Network.LOCAL)
ORGANISATION_WAITING = gettext_lazy(
    "Waiting: a site operator has not approved this organisation yet, so nothing of it is public."
)
# Only an account the worker has logged in with posts; one still being checked makes the
# post wait, one whose check failed makes it fail (fail_for_failed_accounts).
ACCOUNT_CONNECTED = Q(account__state=AccountState.CONNECTED)
ACCOUNT_CHECKING = gettext_lazy(
    "Waiting: the account is still being checked with its server (see Social accounts)."
)


def note_why_waiting(posts: QuerySet[ScheduledPost]) -> None:
    """Write on each of `posts` that may not go out yet why it waits (the one place that
    decides it; the claim in deliver() checks the same filters)."""
    for reason, waiting in (
        (NOT_PUBLISHED, posts.exclude(PUBLISHED)),
        (UNAPPROVED, posts.filter(PUBLISHED).exclude(APPROVED)),
        (ORGANISATION_WAITING, posts.filter(PUBLISHED & APPROVED).exclude(MAY_GO_OUT)),
        (
            ACCOUNT_CHECKING,
            posts.filter(PUBLISHED & APPROVED & MAY_GO_OUT, account__state=AccountState.CHECKING),
        ),
    ):
        waiting.exclude(waiting_reason=str(reason)).update(waiting_reason=str(reason))


def fail_for_failed_accounts(posts: QuerySet[ScheduledPost]) -> int:
    """Fail the due posts whose account's check failed, saying why (a person retries them
    once the account is connected again)."""
    count = 0
    for post in posts.filter(account__state=AccountState.FAILED).select_related("account"):
        reason = _(
            "The account could not be connected (%(reason)s). Connect it again under Social "
            "accounts, then retry."
        ) % {"reason": post.account.failure_reason}
        count += move(post, PostState.SCHEDULED, PostState.FAILED, last_error=reason[:500])
    return count


def _image(story_image: Any, *, small: bool = False) -> Image | None:
    if story_image is None:
        return None
    field = story_image.small if small else story_image.image
    if not small and field.size > bluesky.MAX_BLOB_BYTES:
        field = story_image.small
    with field.open("rb") as handle:
        content = handle.read()
    name = field.name.lower()
    mime = (
        "image/png"
        if name.endswith(".png")
        else "image/webp"
        if name.endswith(".webp")
        else "image/jpeg"
    )
    return Image(
        content=content,
        mime_type=mime,
        alt_text=story_image.alt_text,
        width=story_image.width,
        height=story_image.height,
    )


def outgoing(post: ScheduledPost) -> Outgoing:
    story = post.story
    link = None
    if post.attachment == Attachment.LINK_CARD:
        link = Link(
            url=f"{settings.SITE_URL}{story.get_absolute_url()}",
            title=story.title,
            description=story.summary,
        )
    image = _image(story.cover) if post.attachment == Attachment.IMAGE else None
    # Only Bluesky shows our card; Mastodon builds its own from the page, so no file is read.
    on_bluesky = post.account.network == Network.BLUESKY
    thumb = _image(story.cover, small=True) if link is not None and on_bluesky else None
    return Outgoing(
        text=post.text,
        language=story.language,
        link=link,
        image=image,
        thumb=thumb,
        idempotency_key=str(post.idempotency_key),
        record_key=bluesky.record_key(
            int(post.created_at.timestamp() * 1_000_000), post.idempotency_key.int
        ),
    )


def _send(post: ScheduledPost) -> Delivered:
    account = post.account
    if account.network == Network.LOCAL:
        return local.publish(account, outgoing(post))
    try:
        secret = crypto.decrypt(account.secret_encrypted)
    except crypto.SecretUnreadable:
        raise DeliveryError(
            _("The account's stored password cannot be read; connect the account again."),
            temporary=False,
        ) from None
    message = outgoing(post)
    if account.network == Network.BLUESKY:
        return bluesky.publish(
            account.service_url,
            account.handle,
            secret,
            message,
            session=_stored_session(account),
            keep_session=lambda session: _keep_session(account, session),
        )
    return mastodon.publish(account.service_url, secret, message)


def _stored_session(account: ChannelAccount) -> str:
    try:
        return crypto.decrypt(account.session_encrypted) if account.session_encrypted else ""
    except crypto.SecretUnreadable:
        return ""  # logging in again makes a new one


def _keep_session(account: ChannelAccount, session: str) -> None:
    """Store the Bluesky session for the next post (or forget it: ""), while connected."""
    account.session_encrypted = crypto.encrypt(session) if session else ""
    ChannelAccount.objects.filter(pk=account.pk, disconnected_at__isnull=True).update(
        session_encrypted=account.session_encrypted
    )


def deliver(post_id: int) -> str:
    """Send one due post if it may go out; return its state afterwards.

    Safe to call any number of times, from any number of workers: the claim is a conditional
    UPDATE, so a post is sent by at most one of them, and a sent post is never sent again.
    """
    post = (
        ScheduledPost.objects.select_related(
            "story__organisation", "story__cover", "account", "organisation"
        )
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        return ""
    now = leases.now()
    if post.state != PostState.SCHEDULED or post.scheduled_at > now:
        return post.state
    # Checked again here, not only when it was scheduled: the guard's rules or the
    # organisation's public figures may have changed since (defence in depth).
    flagged = _flagged_now(post)
    if flagged:
        return _hold(post, flagged)
    # The claim checks again that the post may go out: what was loaded above may be stale.
    if not move(
        post,
        PostState.SCHEDULED,
        PostState.SENDING,
        when=PUBLISHED & APPROVED & MAY_GO_OUT & ACCOUNT_CONNECTED,
        claimed_at=now,
        attempts=F("attempts") + 1,
        waiting_reason="",
    ):
        waiting = ScheduledPost.objects.filter(pk=post.pk, state=PostState.SCHEDULED)
        fail_for_failed_accounts(waiting)
        note_why_waiting(waiting)
        return _current_state(post)
    post.attempts += 1
    try:
        delivered = _send(post)
    except DeliveryError as error:
        return _failed(post, error)
    except Exception:
        # A bug or an answer we did not expect: never leave the post in "sending" silently.
        logger.exception("sending scheduled post %s failed", post.pk)
        return _failed(post, DeliveryError(_("An unexpected error happened."), temporary=False))
    return _sent(post, delivered)


def _flagged_now(post: ScheduledPost) -> list[Finding]:
    """What stops the post going out now: its own text (a "post" override covers it) and,
    when it carries the story's card or cover, the story's text the card and the image
    description come from (a "story" override covers that, as when it was published)."""
    organisation = post.organisation
    flagged = safety.unsafe_findings("post", post, post.text, organisation=organisation)
    if post.attachment != Attachment.NONE:
        story = post.story
        flagged += safety.unsafe_findings(
            "story", story, story_text(story), organisation=organisation
        )
    return flagged


def _hold(post: ScheduledPost, findings: list[Finding]) -> str:
    """Keep a flagged post back, saying why on the post for staff; never send it silently,
    never drop it: an owner or a safety officer lets it out (services.release_post)."""
    reason = safety.held_reason(findings)
    if not move(post, PostState.SCHEDULED, PostState.HELD, last_error=reason[:500]):
        return _current_state(post)
    record(
        organisation=post.organisation,
        actor=None,
        action="syndication.held",
        target=post,
        summary=_(
            "Held post #%(id)s of story #%(story)s to %(network)s account #%(account)s: "
            "the safety check flagged it"
        )
        % post.audit_ids(),
        changes={"findings": ["", safety.flagged_kinds(findings)]},
    )
    return post.state


def _sent(post: ScheduledPost, delivered: Delivered) -> str:
    """Record what the network accepted, whatever happened to the row while it was sending."""
    fields: dict[str, Any] = {
        "sent_at": leases.now(),
        "remote_id": delivered.remote_id[:500],
        "remote_url": delivered.remote_url[:1000],
        "last_error": "",
        "waiting_reason": "",
    }
    names = post.audit_ids()
    if move(post, PostState.SENDING, PostState.SENT, **fields):
        summary = _("Sent post #%(id)s of story #%(story)s to %(network)s account #%(account)s") % (
            names
        )
    elif move(post, PostState.FAILED, PostState.SENT, **fields) or move(
        post, PostState.SCHEDULED, PostState.SENT, **fields
    ):
        # The send outlasted STUCK_AFTER, so expire_stuck marked it interrupted (and a person
        # may have retried it): the network has it, so it is sent, and not sent again.
        summary = (
            _(
                "Sent post #%(id)s of story #%(story)s to %(network)s account #%(account)s. "
                "Sending took so long that it had been marked as interrupted; it is now "
                "marked as sent."
            )
            % names
        )
    else:
        post.state = _current_state(post)
        if post.state:
            # Already sent by a worker that claimed it after a retry (with the same
            # idempotency key, so the network kept one post): that worker recorded it.
            return post.state
        summary = (
            _(
                "Sent post #%(id)s of story #%(story)s to %(network)s account #%(account)s, "
                "but it had been cancelled while it was being sent: delete it on the network "
                "if it should not be there."
            )
            % names
        )
    record(
        organisation=post.organisation,
        actor=None,
        action="syndication.sent",
        target=post,
        summary=summary,
        changes={"remote_url": ["", delivered.remote_url[:1000]]},
    )
    return post.state


def _current_state(post: ScheduledPost) -> str:
    """The state in the database ("" once the post is deleted), after a move that lost."""
    state = ScheduledPost.objects.filter(pk=post.pk).values_list("state", flat=True).first()
    return state or ""


def _failed(post: ScheduledPost, error: DeliveryError) -> str:
    message = str(error)[:500]
    retry_at = RETRY.next_attempt(post.attempts, leases.now()) if error.temporary else None
    if retry_at is not None:
        if not move(
            post,
            PostState.SENDING,
            PostState.SCHEDULED,
            scheduled_at=retry_at,
            last_error=message,
        ):
            return _current_state(post)  # expired as interrupted meanwhile
        return post.state
    if not move(post, PostState.SENDING, PostState.FAILED, last_error=message):
        post.state = _current_state(post)
    record(
        organisation=post.organisation,
        actor=None,
        action="syndication.failed",
        target=post,
        # The network's own words stay on the post (last_error), not in the log.
        summary=_(
            "Could not send post #%(id)s of story #%(story)s to %(network)s account #%(account)s"
        )
        % post.audit_ids(),
    )
    return post.state


def expire_stuck() -> int:
    """Posts left in "sending" by a crashed worker: we cannot know whether they went out."""
    stuck = ScheduledPost.objects.filter(
        state=PostState.SENDING, claimed_at__lt=RETRY.expired_claims(leases.now())
    )
    count = 0
    for post in stuck:
        count += move(
            post,
            PostState.SENDING,
            PostState.FAILED,
            last_error=_(
                "Sending was interrupted. Check the account for the post before retrying."
            ),
        )
    return count


def dispatch_due(limit: int = 100) -> int:
    """Send the posts that are due and may go out; note on the others why they wait."""
    expire_stuck()
    due = ScheduledPost.objects.due(leases.now())
    fail_for_failed_accounts(due)
    note_why_waiting(due)
    may_go = PUBLISHED & APPROVED & MAY_GO_OUT & ACCOUNT_CONNECTED
    ready = list(due.filter(may_go).values_list("pk", flat=True)[:limit])
    for post_id in ready:
        deliver(post_id)
    return len(ready)
