"""The queue's background work: the guard reads items that arrived without it."""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import periodic

from . import services


@periodic(every=timedelta(minutes=1))
def screen_moderation_items() -> None:
    """Screen items that reached the queue unscreened (carried over from before it)."""
    services.screen_waiting()
