from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def time_budget(request: HttpRequest) -> dict[str, Any]:
    """`time_budget` for the staff layout's banner: asked only when a page draws it."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}

    def today() -> Any:
        from .budget import status

        return status(membership)

    return {"time_budget": today}
