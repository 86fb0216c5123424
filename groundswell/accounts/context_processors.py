from typing import Any

from django.http import HttpRequest


def staff(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's organisations, for the switcher in staff pages (lazy)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}

    def memberships() -> list:
        from .models import Membership

        return list(Membership.objects.for_user(request.user))

    return {
        "membership": membership,
        "organisation": membership.organisation,
        "my_memberships": memberships,
    }
