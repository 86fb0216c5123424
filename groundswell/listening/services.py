"""The verbs of listening: staff add, pause and resume monitors and keyword rules (each
audited); the worker records the feeds it found on a site. Nothing here fetches: a new
address waits as "discovering" until the worker reads it."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.services import record
from groundswell.lib import leases

from . import tasks
from .models import POLLED, KeywordRule, Monitor, MonitorKind, MonitorState, SpikeSubscription

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
