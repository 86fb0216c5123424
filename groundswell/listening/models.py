"""What an organisation listens to (monitors and keyword rules) and what it hears (signals).

A monitor's states (docs/workflows.md, "Listening"):

    discovering ──feeds found──▶ active ◀──a poll works──┐
        │ none found / the page cannot be read              │
        ▼                                                   │
    no_feed                          active ──a poll fails──▶ failing ──(BREAKER failures
                                                                 │      in a row)──▶ resting
                                                                 └──a poll works──▶ active
    any state ──staff pause──▶ paused ──staff resume──▶ active (or discovering)

`next_attempt_at` is when the monitor is next due, and the lease of a claimed poll: a
worker that claims it moves it a lease ahead (lib/leases.py), so a poll that dies is
picked up again once the lease runs out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation


class MonitorKind(models.TextChoices):
    FEED = "feed", _("Feed")
    HASHTAG = "hashtag", _("Fediverse hashtag")


class MonitorState(models.TextChoices):
    DISCOVERING = "discovering", _("Looking for the site's feeds")
    ACTIVE = "active", _("Listening")
    FAILING = "failing", _("Failing, trying again")
    RESTING = "resting", _("Paused after repeated failures")
    PAUSED = "paused", _("Paused")
    NO_FEED = "no_feed", _("No feed found")


# States in which the worker polls a monitor when it is due.
POLLED = (MonitorState.DISCOVERING, MonitorState.ACTIVE, MonitorState.FAILING, MonitorState.RESTING)


class MonitorQuerySet(models.QuerySet["Monitor"]):
    def for_organisation(self, organisation: Organisation) -> MonitorQuerySet:
        return self.filter(organisation=organisation).order_by("-created_at", "-id")

    def due(self, moment: object) -> MonitorQuerySet:
        return self.filter(state__in=POLLED, next_attempt_at__lte=moment).order_by(
            "next_attempt_at", "id"
        )


class Monitor(models.Model):
    """One source an organisation listens to: a feed, or a hashtag on a fediverse server."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="monitors"
    )
    kind = models.CharField(max_length=8, choices=MonitorKind.choices)
    # The feed's address; '' while the worker looks for the feeds of `site_url`.
    url = models.URLField(max_length=500, blank=True)
    site_url = models.URLField(max_length=500, blank=True)
    # For a hashtag: the server's address (https://host) and the tag without its '#'.
    server = models.URLField(max_length=200, blank=True)
    hashtag = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=12, choices=MonitorState.choices, default=MonitorState.ACTIVE
    )
    interval_seconds = models.PositiveIntegerField(default=15 * 60)
    next_attempt_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    # When the tick last queued a poll of it, cleared by the poll: the tick queues no second
    # task while one waits.
    queued_at = models.DateTimeField(null=True, blank=True)
    # Conditional GET: what the server said last time it sent the document.
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # The newest status id seen on a hashtag timeline (Mastodon's since_id).
    cursor = models.CharField(max_length=100, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # What went wrong the last time, in words staff can read; '' after a poll that worked.
    last_error = models.CharField(max_length=300, blank=True)
    # Something odd about the source that did not stop it (item ids that change every poll).
    notice = models.CharField(max_length=300, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_new = models.PositiveIntegerField(default=0)
    polls = models.PositiveIntegerField(default=0)
    # WebSub (W3C): the hub the feed names, our callback's secret token and its state.
    hub_url = models.URLField(max_length=500, blank=True)
    websub_token = models.CharField(max_length=64, blank=True, db_index=True)
    websub_secret = models.CharField(max_length=64, blank=True)
    websub_verified_until = models.DateTimeField(null=True, blank=True)
    websub_asked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MonitorQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "url"], condition=~Q(url=""), name="one_monitor_per_feed"
            ),
            models.UniqueConstraint(
                fields=["organisation", "server", "hashtag"],
                condition=Q(kind="hashtag"),
                name="one_monitor_per_hashtag",
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        """What staff recognise it by: the feed, the site being searched, or #tag@server."""
        if self.kind == MonitorKind.HASHTAG:
            return f"#{self.hashtag} on {self.server}"
        return self.url or self.site_url

    @property
    def fetched_url(self) -> str:
        return self.url or self.site_url


class HostSlot(models.Model):
    """Politeness per host: one request at a time (a named lease) and a gap between them."""

    host = models.CharField(max_length=255, unique=True)
    holder = models.CharField(max_length=100, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    # No request to this host before this time (our minimum gap, or the server's Retry-After).
    not_before = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.host


class KeywordRule(models.Model):
    """Phrases that tag a signal, exclusions that keep it untagged, and an optional language."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="keyword_rules"
    )
    name = models.CharField(_("name"), max_length=100)
    # One phrase per line; a signal matches when it holds any of them as whole words.
    phrases = models.TextField(_("phrases"))
    exclusions = models.TextField(_("exclusions"), blank=True)
    language = models.CharField(_("language"), max_length=35, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def phrase_list(self) -> list[str]:
        return [line.strip() for line in self.phrases.splitlines() if line.strip()]

    def exclusion_list(self) -> list[str]:
        return [line.strip() for line in self.exclusions.splitlines() if line.strip()]


class SignalSource(models.TextChoices):
    FEED = "feed", _("Feed")
    HASHTAG = "hashtag", _("Fediverse hashtag")
    REPLY = "reply", _("Fediverse reply")
    MENTION = "mention", _("Fediverse mention")
    BOOST = "boost", _("Fediverse boost")
    QUOTE = "quote", _("Fediverse quote")


class SignalState(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    ANSWERED = "answered", _("Answered")
    DONE = "done", _("Done")
    IGNORED = "ignored", _("Ignored")


# Sources whose signal is a post someone wrote on the fediverse, which our actor can answer.
FEDIVERSE_POSTS = (
    SignalSource.HASHTAG,
    SignalSource.REPLY,
    SignalSource.MENTION,
    SignalSource.QUOTE,
)


class SignalQuerySet(models.QuerySet["Signal"]):
    def for_organisation(self, organisation: Organisation) -> SignalQuerySet:
        return (
            self.filter(organisation=organisation)
            .select_related("monitor", "campaign", "moderation", "assignee", "story")
            .prefetch_related("rules")
            .order_by("-heard_at", "-id")
        )


class Signal(models.Model):
    """One thing heard: a feed item, a status under a hashtag, or what reached our inbox.

    A fediverse reply's words are its moderation item's (`moderation`): the signal links to
    that record and keeps only its own triage state. Everything else keeps its words here,
    sanitised (nh3) before anyone sees them.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    monitor = models.ForeignKey(
        Monitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    source = models.CharField(max_length=8, choices=SignalSource.choices)
    external_id = models.CharField(max_length=500)
    url = models.URLField(max_length=500, blank=True)
    canonical_url = models.CharField(max_length=500, blank=True, db_index=True)
    title = models.CharField(max_length=300, blank=True)
    content_html = models.TextField(blank=True)
    text = models.TextField(blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)
    author_url = models.URLField(max_length=500, blank=True)
    # Who said it, as the source names them for good (a fediverse actor's id): what an
    # account's deletion upstream finds its signals by.
    author_key = models.CharField(max_length=500, blank=True, db_index=True)
    follower_count = models.PositiveIntegerField(null=True, blank=True)
    language = models.CharField(max_length=35, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    heard_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Simhash of the words (dedupe.py); 0 for a signal with no words.
    fingerprint = models.BigIntegerField(default=0)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rules = models.ManyToManyField(KeywordRule, blank=True, related_name="signals")
    state = models.CharField(max_length=9, choices=SignalState.choices, default=SignalState.NEW)
    moderation = models.ForeignKey(
        "moderation.ModerationItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Triage (triage.py): who answers it, and what it became.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    story = models.ForeignKey(
        "stories.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SignalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source", "external_id"], name="one_signal_per_item"
            )
        ]
        indexes = [models.Index(fields=["organisation", "heard_at"])]

    def __str__(self) -> str:
        return f"{self.source} {self.external_id}"

    @property
    def source_key(self) -> str:
        """Who said it, as a mute names them: the actor's id, else the profile's address,
        else the handle; for a feed item that names nobody, its feed."""
        if self.author_key or self.author_url or self.author_handle:
            return self.author_key or self.author_url or self.author_handle
        return f"monitor:{self.monitor_id}" if self.monitor_id else ""

    @property
    def repliable(self) -> bool:
        """A fediverse post of someone's own (not a boost, nor a feed item) can be answered."""
        return self.source in FEDIVERSE_POSTS

    @property
    def words(self) -> str:
        """The words to read: the moderation item's for a reply, else the signal's own."""
        if self.moderation_id is not None and self.moderation is not None:
            return self.moderation.text
        return self.text


class WebSubDelivery(models.Model):
    """A body a WebSub hub posted, its signature checked, waiting for the worker to parse."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="+")
    body = models.BinaryField()
    content_type = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"WebSub delivery {self.pk} for monitor {self.monitor_id}"


class SpikeQuerySet(models.QuerySet["Spike"]):
    def for_organisation(self, organisation: Organisation | int) -> SpikeQuerySet:
        return self.filter(organisation=organisation).select_related("rule", "campaign")


class Spike(models.Model):
    """A keyword rule or a campaign heard far more in an hour than its own history explains
    (spikes.py, docs/listening.md "Spike alerts"). Raised at most once per subject per
    spikes.THROTTLE: this row is the alert shown to staff and emailed to those who asked.
    Exactly one of `rule` and `campaign` is set."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        KeywordRule, null=True, blank=True, on_delete=models.CASCADE, related_name="spikes"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    signals = models.PositiveIntegerField()  # heard in the window
    baseline = models.PositiveIntegerField()  # heard in the baseline, spikes left out
    baseline_hours = models.FloatField()
    expected = models.FloatField()  # the baseline's hourly rate (floored) × the window
    tail = models.FloatField()  # P(this many or more | Poisson(expected))
    raised_at = models.DateTimeField(db_index=True)
    emailed = models.PositiveIntegerField(default=0)

    objects = SpikeQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rule__isnull=True, campaign__isnull=False)
                | Q(rule__isnull=False, campaign__isnull=True),
                name="a_spike_is_of_a_rule_or_a_campaign",
            )
        ]

    def __str__(self) -> str:
        return f"spike of {self.subject}: {self.signals} in the hour to {self.window_end}"

    @property
    def subject(self) -> str:
        return self.rule.name if self.rule is not None else str(self.campaign)


class SpikeSubscription(models.Model):
    """A member who asked to be emailed when a rule or a campaign spikes."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"spike alerts for membership {self.membership_id}"


class SignalNote(models.Model):
    """A colleague's note on a signal; it goes with the signal."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on signal {self.signal_id}"


class MutedSource(models.Model):
    """Someone (or a feed) whose signals arrive ignored: off the board and out of the spikes.
    `key` is Signal.source_key; `label` what staff recognise them by."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=500)
    label = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="one_mute_per_source")
        ]

    def __str__(self) -> str:
        return self.label


class ReplyState(models.TextChoices):
    AWAITING = "awaiting", _("Waiting for approval")
    QUEUED = "queued", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be sent")


class SignalReplyQuerySet(models.QuerySet["SignalReply"]):
    def queued(self) -> SignalReplyQuerySet:
        return self.filter(state=ReplyState.QUEUED).order_by("id")

    def awaiting(self) -> SignalReplyQuerySet:
        return self.filter(state=ReplyState.AWAITING)


class SignalReply(models.Model):
    """Our actor's public reply to a fediverse post we heard.

    Written by staff (through the safety gate, and an owner's approval where the
    organisation requires it); sent by federation's worker (federation/signal_replies.py),
    which finds the author and queues the Note. Listening never speaks ActivityPub.
    """

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField(max_length=5000)
    state = models.CharField(max_length=8, choices=ReplyState.choices)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The Note's id once federation queued it; why not, if it could not.
    note_uri = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # When those who may approve were emailed about it (approvals.py): each waiting reply
    # is in one email, so a busy minute is one email, not one per reply.
    approvers_told_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = SignalReplyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"reply {self.pk} to signal {self.signal_id}: {self.state}"
