"""Who may see and change what. Every staff view goes through here (conventions, habit 2)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import signin, twofactor
from .models import Membership

PERMISSION_MESSAGES = {
    "content.write": _("Your role can read campaigns and stories but not change them."),
    "content.approve": _("Only an owner of this organisation can approve stories."),
    "members.manage": _("Only an owner can manage members and invitations."),
    "audit.read": _("Only an owner can read the audit log."),
    "organisation.edit": _("Only an owner can change the organisation's settings."),
    "supporters.read": _(
        "Supporters' names and email addresses are for owners and editors only; "
        "your role sees the petitions' totals instead."
    ),
    "supporters.export": _("Only an owner can export supporters' personal data."),
    "supporters.erase": _("Only an owner can erase a supporter's personal data."),
    "api.manage": _("Only an owner can create and revoke API tokens."),
    "moderation.decide": _(
        "Only owners, moderators and safety officers can decide what the public's words may "
        "be shown."
    ),
    "fediverse.reply": _("Your role cannot reply on the organisation's behalf."),
    "listening.triage": _("Your role can read what we heard but not triage it."),
    "safety.override": _(
        "Only an owner or a safety officer can let text the safety check flagged go out."
    ),
    "safety.allowlist": _(
        "Only an owner or a safety officer can change the list of public figures."
    ),
    "timelog.team": _("A colleague's time log is for the organisation's owners only."),
    "reports.monthly": _("The monthly report is for the organisation's owners and analysts."),
    "fraud.view": _("Only owners, safety officers and analysts can read the trending sources."),
    "fraud.invalidate": _(
        "Only an owner or a safety officer can invalidate signatures or undo an invalidation."
    ),
    "donations.read": _("Only an owner can see who gave and how much."),
    "payments.manage": _("Only an owner can change donations and payment provider keys."),
    "reports.review": _(
        "Only owners, editors, moderators and safety officers can review reports from the ground."
    ),
    "reports.contact": _("A reporter's contact details are for owners and safety officers only."),
}


def access_membership(user: Any, org_slug: str, *, permission: str | None = None) -> Membership:
    """The user's membership of the organisation, or 404 when they are not a member.

    A stranger must not learn that an organisation's staff pages exist, so non-members get
    404 rather than 403. A member whose role lacks `permission` gets 403 with the reason.
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404
    membership = (
        Membership.objects.select_related("organisation", "user")
        .filter(user=user, organisation__slug=org_slug)
        .first()
    )
    if membership is None:
        raise Http404
    if permission is not None and not membership.can(permission):
        raise PermissionDenied(PERMISSION_MESSAGES[permission])
    return membership


def require(membership: Membership, permission: str) -> None:
    if not membership.can(permission):
        raise PermissionDenied(PERMISSION_MESSAGES[permission])


StaffView = Callable[..., HttpResponse]


def staff_view(permission: str | None = None) -> Callable[[StaffView], StaffView]:
    """Decorate a view taking `(request, membership, ...)`; the URL carries `org`."""

    def decorate(view: StaffView) -> StaffView:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, org: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = access_membership(request.user, org, permission=permission)
            organisation = membership.organisation
            if not request.session.get(twofactor.VERIFIED) and twofactor.is_on(membership.user):
                # Signed in with the password alone (before two-factor was on, or on the
                # admin's page): the code first, then this page.
                messages.info(
                    request, gettext("Enter a code from your app to go on to the staff pages.")
                )
                backend = request.session.get(
                    BACKEND_SESSION_KEY, settings.AUTHENTICATION_BACKENDS[0]
                )
                return signin.ask_for_code(
                    request, membership.user, backend, request.get_full_path()
                )
            # Both checks read what the membership's query loaded (the user's flag, the
            # organisation's rule): a staff page asks nothing more of the database.
            if organisation.two_factor_required and not twofactor.is_on(membership.user):
                messages.warning(
                    request,
                    gettext(
                        "%(org)s asks everyone on its staff to sign in with two factors. "
                        "Set it up to go on."
                    )
                    % {"org": organisation.name},
                )
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('accounts:two_factor_setup')}?{query}")
            if request.session.get("org") != org:
                request.session["org"] = org
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, membership, *args, **kwargs)

        return wrapper

    return decorate
