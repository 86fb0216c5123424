"""The verbs of listening: staff add, pause and resume monitors and keyword rules, and
triage signals (assign, move, note, mute, reply, draft a story), each audited; the worker
records the feeds it found on a site. Nothing here fetches: a new address waits as
"discovering" until the worker reads it, and a reply waits for federation's worker."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership, Organisation, User, require_public
from groundswell.audit.services import record
from groundswell.lib import leases
from groundswell.safety import services as safety
from groundswell.stories import services as stories
from groundswell.stories.models import Story

from . import tasks, triage
from .models import (
    POLLED,
    KeywordRule,
    Monitor,
    MonitorKind,
    MonitorState,
    MutedSource,
    ReplyState,
    Signal,
    SignalNote,
    SignalReply,
    SignalSource,
    SignalState,
    SpikeSubscription,
)

# Lazy: a module constant is built at import, before any request chose a language.
ALREADY = gettext_lazy("This organisation already listens to that address.")


def _audit(membership: Membership, action: str, target: object, summary: str) -> None:
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action=action,
        target=target,  # type: ignore[arg-type]
        summary=summary,
    )


def add_address(organisation: Organisation, address: str, *, by: User | None = None) -> Monitor:
    """A monitor for a feed's or a site's address, waiting for the worker to read it.

    ValidationError when the organisation has it already (as a feed or a site)."""
    exists = Monitor.objects.filter(organisation=organisation, kind=MonitorKind.FEED).filter(
        url=address
    ) | Monitor.objects.filter(organisation=organisation, site_url=address)
    if exists.exists():
        raise ValidationError(ALREADY, code="duplicate")
    return Monitor.objects.create(
        organisation=organisation,
        kind=MonitorKind.FEED,
        site_url=address,
        state=MonitorState.DISCOVERING,
        next_attempt_at=leases.now(),
        created_by=by,
    )


def add_feed(membership: Membership, address: str) -> Monitor:
    require(membership, "content.write")
    with transaction.atomic():
        monitor = add_address(membership.organisation, address, by=membership.user)
        _audit(
            membership,
            "listening.monitor_added",
            monitor,
            _("Added feed monitor #%(id)s") % {"id": monitor.pk},
        )
    return monitor


def add_hashtag(membership: Membership, server: str, hashtag: str) -> Monitor:
    require(membership, "content.write")
    try:
        with transaction.atomic():
            monitor = Monitor.objects.create(
                organisation=membership.organisation,
                kind=MonitorKind.HASHTAG,
                server=server,
                hashtag=hashtag,
                next_attempt_at=leases.now(),
                created_by=membership.user,
            )
            _audit(
                membership,
                "listening.monitor_added",
                monitor,
                _("Added hashtag monitor #%(id)s") % {"id": monitor.pk},
            )
    except IntegrityError:
        raise ValidationError(ALREADY, code="duplicate") from None
    return monitor


def pause(membership: Membership, monitor: Monitor) -> None:
    require(membership, "content.write")
    with transaction.atomic():
        Monitor.objects.filter(pk=monitor.pk).update(state=MonitorState.PAUSED)
        summary = _("Paused monitor #%(id)s") % {"id": monitor.pk}
        _audit(membership, "listening.monitor_paused", monitor, summary)
        if monitor.websub_verified_until is not None:
            tasks.queue_websub_unsubscribe(monitor.pk)


def resume(membership: Membership, monitor: Monitor) -> None:
    """Back to listening now, failures forgotten (a paused site still to be read is read)."""
    require(membership, "content.write")
    state = MonitorState.ACTIVE if monitor.url or monitor.hashtag else MonitorState.DISCOVERING
    with transaction.atomic():
        Monitor.objects.filter(pk=monitor.pk).exclude(state__in=POLLED).update(
            state=state, consecutive_failures=0, next_attempt_at=leases.now(), queued_at=None
        )
        summary = _("Resumed monitor #%(id)s") % {"id": monitor.pk}
        _audit(membership, "listening.monitor_resumed", monitor, summary)


def found_feeds(monitor: Monitor, feeds: Iterable[str]) -> list[str]:
    """The worker read `monitor`'s site and found `feeds`: the first one not yet monitored
    becomes this monitor's, each other one a monitor of its own. Returns the feeds taken."""
    organisation = monitor.organisation
    taken: list[str] = []
    with transaction.atomic():
        known = set(
            Monitor.objects.filter(organisation=organisation)
            .exclude(url="")
            .values_list("url", flat=True)
        )
        fresh = [feed for feed in feeds if feed not in known]
        if not fresh:
            Monitor.objects.filter(pk=monitor.pk).update(
                state=MonitorState.NO_FEED,
                last_error=_("every feed this site names is monitored already"),
                last_polled_at=leases.now(),
            )
            return []
        now = leases.now()
        Monitor.objects.filter(pk=monitor.pk).update(
            url=fresh[0],
            state=MonitorState.ACTIVE,
            last_error="",
            consecutive_failures=0,
            next_attempt_at=now,
            last_polled_at=now,
        )
        taken.append(fresh[0])
        for feed in fresh[1:]:
            Monitor.objects.create(
                organisation=organisation,
                kind=MonitorKind.FEED,
                url=feed,
                site_url=monitor.site_url,
                next_attempt_at=now,
                created_by=monitor.created_by,
            )
            taken.append(feed)
    return taken


def add_rule(
    membership: Membership, *, name: str, phrases: str, exclusions: str, language: str
) -> KeywordRule:
    require(membership, "content.write")
    with transaction.atomic():
        rule = KeywordRule.objects.create(
            organisation=membership.organisation,
            name=name,
            phrases=phrases,
            exclusions=exclusions,
            language=language,
        )
        summary = _("Added keyword rule #%(id)s") % {"id": rule.pk}
        _audit(membership, "listening.rule_added", rule, summary)
    return rule


def set_rule_active(membership: Membership, rule: KeywordRule, active: bool) -> None:
    require(membership, "content.write")
    with transaction.atomic():
        KeywordRule.objects.filter(pk=rule.pk).update(active=active)
        action = "listening.rule_resumed" if active else "listening.rule_paused"
        summary = (
            _("Resumed keyword rule #%(id)s") if active else _("Paused keyword rule #%(id)s")
        ) % {"id": rule.pk}
        _audit(membership, action, rule, summary)


def new_websub_secret(monitor: Monitor) -> tuple[str, str]:
    """A fresh callback token and secret for a subscription (kept until it is renewed)."""
    token, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    Monitor.objects.filter(pk=monitor.pk).update(websub_token=token, websub_secret=secret)
    return token, secret


def choose_spike_email(membership: Membership, *, wanted: bool) -> None:
    """Email this member when a rule or a campaign spikes, or stop. Their own choice."""
    if wanted:
        SpikeSubscription.objects.get_or_create(membership=membership)
    else:
        SpikeSubscription.objects.filter(membership=membership).delete()


# --- Triage (triage.py holds the states and moves) ----------------------------------------


def _signal_audit(membership: Membership, action: str, signal: Signal, summary: str) -> None:
    _audit(membership, f"listening.{action}", signal, summary)


def _move(signal: Signal, target: str, **more: object) -> bool:
    """The conditional UPDATE of a move: False when another request moved it first."""
    allowed = [state for state, moves in triage.MOVES.items() if target in moves]
    fields = {"state": target, **more}
    return bool(Signal.objects.filter(pk=signal.pk, state__in=allowed).update(**fields))


def assign(membership: Membership, signal: Signal, assignee: User | None) -> None:
    """Give the signal to a colleague (assigned), or to nobody (back to new)."""
    require(membership, "listening.triage")
    if (
        assignee is not None
        and not Membership.objects.filter(
            organisation=membership.organisation, user=assignee
        ).exists()
    ):
        raise ValidationError(_("Choose a member of this organisation."), code="assignee")
    with transaction.atomic():
        if assignee is None:
            Signal.objects.filter(pk=signal.pk).update(assignee=None)
            if signal.state == SignalState.ASSIGNED:
                _move(signal, SignalState.NEW)
            summary = _("Unassigned signal #%(id)s") % {"id": signal.pk}
        else:
            Signal.objects.filter(pk=signal.pk).update(assignee=assignee)
            if signal.state == SignalState.NEW:
                _move(signal, SignalState.ASSIGNED)
            summary = _("Assigned signal #%(id)s to %(name)s") % {
                "id": signal.pk,
                "name": assignee.name or assignee.email,
            }
        _signal_audit(membership, "signal_assigned", signal, summary)


def move(membership: Membership, signal: Signal, target: str) -> None:
    """Mark the signal answered, done or ignored, or open it again."""
    require(membership, "listening.triage")
    if not triage.may_move(signal.state, target):
        raise ValidationError(
            _("A signal that is %(current)s cannot become %(target)s.")
            % {
                "current": SignalState(signal.state).label.lower(),
                "target": SignalState(target).label.lower(),
            },
            code="move",
        )
    with transaction.atomic():
        if not _move(signal, target):
            raise ValidationError(_("Someone changed this signal meanwhile: look again."))
        summary = _("Marked signal #%(id)s %(state)s") % {
            "id": signal.pk,
            "state": SignalState(target).label.lower(),
        }
        _signal_audit(membership, "signal_moved", signal, summary)


def add_note(membership: Membership, signal: Signal, text: str) -> SignalNote:
    require(membership, "listening.triage")
    with transaction.atomic():
        note = SignalNote.objects.create(signal=signal, author=membership.user, text=text)
        summary = _("Noted on signal #%(id)s") % {"id": signal.pk}
        _signal_audit(membership, "signal_noted", signal, summary)
    return note


def _label(signal: Signal) -> str:
    if signal.author_handle or signal.author_name or signal.author_url:
        return (signal.author_handle or signal.author_name or signal.author_url)[:300]
    return (signal.monitor.address if signal.monitor else signal.source_key)[:300]


def mute(membership: Membership, signal: Signal) -> MutedSource:
    """Mute who said it: what they said and say next is ignored (off the board, out of the
    spikes). Their signals still waiting for someone are ignored now."""
    require(membership, "listening.triage")
    key = signal.source_key
    if not key:
        raise ValidationError(_("This signal names no source to mute."), code="mute")
    with transaction.atomic():
        muted, _created = MutedSource.objects.get_or_create(
            organisation=membership.organisation,
            key=key[:500],
            defaults={"label": _label(signal), "created_by": membership.user},
        )
        Signal.objects.filter(organisation=membership.organisation, state__in=triage.OPEN).filter(
            _of_source(key)
        ).update(state=SignalState.IGNORED)
        summary = _("Muted the source of signal #%(id)s") % {"id": signal.pk}
        _audit(membership, "listening.source_muted", muted, summary)
    return muted


def _of_source(key: str) -> Q:
    if key.startswith("monitor:"):
        return Q(monitor_id=int(key.removeprefix("monitor:")), author_key="", author_url="")
    return Q(author_key=key) | Q(author_url=key) | Q(author_handle=key)


def unmute(membership: Membership, muted: MutedSource) -> None:
    """Hear them again from now on (what was ignored stays ignored until reopened)."""
    require(membership, "listening.triage")
    with transaction.atomic():
        summary = _("Unmuted %(label)s") % {"label": muted.label}
        _audit(membership, "listening.source_unmuted", muted, summary)
        MutedSource.objects.filter(pk=muted.pk).delete()


def reply(
    membership: Membership, signal: Signal, text: str, *, safety_reason: str = ""
) -> SignalReply:
    """A public reply from our actor to the post heard, sent by federation's worker.

    The words pass the safety gate first; in an organisation that requires approval a
    reply by someone who may not approve waits for an owner (`approve_reply`).
    """
    require(membership, "fediverse.reply")
    require_public(membership.organisation)  # nothing goes out before an operator's approval
    if not signal.repliable:
        raise ValidationError(_("Only a post on the fediverse can be answered from here."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write something to reply.")})
    with transaction.atomic():
        waits = membership.organisation.approval_required and not membership.can("content.approve")
        answer = SignalReply.objects.create(
            signal=signal,
            text=text,
            state=ReplyState.AWAITING if waits else ReplyState.QUEUED,
            written_by=membership.user,
            approved_by=None if waits else membership.user,
        )
        # Checked against the reply row, so an override names exactly these words.
        safety.gate(membership, "reply", answer, text, reason=safety_reason, field="text")
        if not waits:
            _move(signal, SignalState.ANSWERED)
        summary = (
            _("Wrote a reply to signal #%(id)s, waiting for approval")
            if waits
            else _("Replied to signal #%(id)s")
        ) % {"id": signal.pk}
        _signal_audit(membership, "signal_replied", signal, summary)
    return answer


def approve_reply(membership: Membership, answer: SignalReply) -> None:
    require(membership, "content.approve")
    with transaction.atomic():
        done = SignalReply.objects.filter(pk=answer.pk, state=ReplyState.AWAITING).update(
            state=ReplyState.QUEUED, approved_by=membership.user
        )
        if not done:
            raise ValidationError(_("This reply is no longer waiting for approval."))
        # The words are checked again at the moment they are let out.
        safety.gate(membership, "reply", answer, answer.text, field="text")
        _move(answer.signal, SignalState.ANSWERED)
        summary = _("Approved the reply to signal #%(id)s") % {"id": answer.signal_id}
        _signal_audit(membership, "reply_approved", answer.signal, summary)


def draft_story(membership: Membership, signal: Signal) -> Story:
    """A draft story quoting the signal and crediting its author, in the signal's campaign."""
    require(membership, "content.write")
    who = signal.author_name or signal.author_handle or _("someone")
    words = " ".join(signal.words.split())[:1500]
    quoted = "\n".join(f"> {line}" for line in (words or signal.title).splitlines()) or ">"
    credit = f"[{who}]({signal.url})" if signal.url else who
    body = "\n\n".join(
        [
            quoted,
            "> — " + (_("%(who)s, %(source)s") % {"who": credit, "source": _source_label(signal)}),
            _("Write what this means for the campaign here."),
        ]
    )
    title = (signal.title or _("What %(who)s said") % {"who": who})[:200]
    with transaction.atomic():
        story = stories.create_story(
            membership,
            {
                "title": title,
                "slug": f"{slugify(title)[:60].strip('-') or 'heard'}-{secrets.token_hex(3)}",
                "body": body,
                "campaign": signal.campaign,
                "language": (signal.language or "en")[:10],
            },
        )
        Signal.objects.filter(pk=signal.pk).update(story=story)
        summary = _("Drafted story #%(story)s from signal #%(id)s") % {
            "story": story.pk,
            "id": signal.pk,
        }
        _signal_audit(membership, "story_drafted", signal, summary)
    return story


def _source_label(signal: Signal) -> str:
    if signal.monitor is not None:
        return signal.monitor.title or signal.monitor.address
    return str(SignalSource(signal.source).label)
