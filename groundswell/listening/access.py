"""The staff pages' one way to a monitor or a keyword rule (404 for another organisation's)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import KeywordRule, Monitor, MutedSource, Signal, SignalReply, Spike


def access_monitor(membership: Membership, monitor_id: int, *, for_edit: bool = False) -> Monitor:
    if for_edit:
        require(membership, "content.write")
    return get_object_or_404(Monitor, pk=monitor_id, organisation=membership.organisation)


def access_rule(membership: Membership, rule_id: int, *, for_edit: bool = False) -> KeywordRule:
    if for_edit:
        require(membership, "content.write")
    return get_object_or_404(KeywordRule, pk=rule_id, organisation=membership.organisation)


def access_spike(membership: Membership, spike_id: int) -> Spike:
    return get_object_or_404(Spike.objects.for_organisation(membership.organisation), pk=spike_id)


def access_signal(membership: Membership, signal_id: int) -> Signal:
    return get_object_or_404(Signal.objects.for_organisation(membership.organisation), pk=signal_id)


def access_reply(membership: Membership, reply_id: int) -> SignalReply:
    return get_object_or_404(
        SignalReply.objects.select_related("signal"),
        pk=reply_id,
        signal__organisation=membership.organisation,
    )


def access_muted(membership: Membership, muted_id: int) -> MutedSource:
    return get_object_or_404(MutedSource, pk=muted_id, organisation=membership.organisation)
