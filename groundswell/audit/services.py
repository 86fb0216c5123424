from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEntry


def record(
    *,
    organisation: Any,
    actor: Any,
    action: str,
    target: models.Model,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry. Called by every staff write in the services modules."""
    return AuditEntry.objects.create(
        organisation=organisation,
        actor=actor,
        actor_label=getattr(actor, "email", "") or "system",
        action=action,
        target_type=target._meta.model_name or "",
        target_id=str(target.pk or ""),
        summary=summary[:500],
        changes=changes or {},
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Field-by-field changes as {field: [old, new]}, long text shortened for the log."""

    def short(value: Any) -> Any:
        if isinstance(value, str) and len(value) > 200:
            return value[:200] + "…"
        return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)

    return {
        key: [short(before.get(key)), short(after[key])]
        for key in after
        if before.get(key) != after[key]
    }
