from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from .models import Membership


def staff(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's organisations, for the switcher in staff pages (lazy)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}

    def memberships() -> list[Membership]:
        from .models import Membership

        return list(Membership.objects.for_user(request.user))

    return {
        "membership": membership,
        "organisation": membership.organisation,
        "my_memberships": memberships,
    }
