"""The life of a scheduled post, written down once.

    scheduled ──claim──▶ sending ──▶ sent
        ▲                   │
        │ retry             ▼
        └────────────── failed

A post is claimed by one conditional UPDATE (scheduled → sending); only the worker that
changed the row sends it, so two workers never post the same thing twice. A row left in
"sending" by a crash is never re-sent automatically: the network may have accepted it
before the crash, so it is marked failed and a person decides (see sending.expire_stuck).

A post whose text the safety guard flags (and no override covers) is held when it falls
due: "held" until an owner or a safety officer lets that exact text out with a written
reason, which puts it back in the queue. It is never sent, or dropped, silently.

A send that was only slow, not dead, may still succeed after that: the network has the post,
so it becomes "sent" from wherever it is meanwhile (failed, or scheduled again by a retry),
which also stops the retry from posting it a second time.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PostState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    HELD = "held", _("Held by the safety check")


TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (PostState.SCHEDULED, PostState.SENDING),  # claimed by the worker
        (PostState.SENDING, PostState.SENT),
        (PostState.SENDING, PostState.SCHEDULED),  # a passing failure, tried again later
        (PostState.SENDING, PostState.FAILED),
        (PostState.SCHEDULED, PostState.FAILED),  # account disconnected before it was due
        (PostState.FAILED, PostState.SCHEDULED),  # a person pressed "retry"
        # A slow send that was marked interrupted (and maybe retried) but that the network took.
        (PostState.FAILED, PostState.SENT),
        (PostState.SCHEDULED, PostState.SENT),
        (PostState.SCHEDULED, PostState.HELD),  # the safety guard flagged it when due
        (PostState.HELD, PostState.SCHEDULED),  # an override let its text out
    }
)


def allowed(source: str, target: str) -> bool:
    return (source, target) in TRANSITIONS


# An account connected on the Social accounts page, written down once (habit 4):
#
#     checking ──▶ connected
#         │
#         └──────▶ failed
#
# The page stores the account as "checking" and the worker logs in with it (no network call
# while the page waits). A failed account is replaced by connecting again; disconnecting is
# the separate `disconnected_at`, whatever the state.


class AccountState(models.TextChoices):
    CHECKING = "checking", _("Checking")
    CONNECTED = "connected", _("Connected")
    FAILED = "failed", _("Could not connect")


ACCOUNT_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (AccountState.CHECKING, AccountState.CONNECTED),
        (AccountState.CHECKING, AccountState.FAILED),
    }
)


def account_allowed(source: str, target: str) -> bool:
    return (source, target) in ACCOUNT_TRANSITIONS
