"""The one place a scheduled post changes state (workflow.py has the allowed moves)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .models import ScheduledPost
from .workflow import allowed


def move(
    post: ScheduledPost, source: str, target: str, *, when: Q | None = None, **fields: Any
) -> bool:
    """The one place a post changes state: a conditional UPDATE that only one caller wins.

    `when` adds conditions the row must still meet at the moment of the UPDATE.
    """
    assert allowed(source, target), (source, target)
    rows = ScheduledPost.objects.filter(pk=post.pk, state=source)
    if when is not None:
        rows = rows.filter(when)
    moved = rows.update(state=target, **fields)
    if moved:
        post.state = target
        for key, value in fields.items():
            if not hasattr(value, "resolve_expression"):
                setattr(post, key, value)
    return bool(moved)
