"""Account and operator mail.

Reset and invitation links sign people in: the secret is made when the mail is sent.

A queued task row (django-tasks-db keeps its arguments in the database, and keeps the row
after it ran) therefore holds only an id. The email itself is sent from inside this task,
not queued again, so no other row ever holds the link either.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.notifications.tasks import send_email

from .models import Invitation, Organisation, OrganisationState, User, hash_token
from .security_models import RecoveryCode


def site_link(path: str) -> str:
    """An absolute link for an email: always SITE_URL, never the Host of a request."""
    return settings.SITE_URL + path


@task()
def send_password_reset(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "link": site_link(path)}
    send_email.call(
        to=[user.email],
        subject=" ".join(
            render_to_string("accounts/email/password_reset_subject.txt", context).split()
        ),
        body=render_to_string("accounts/email/password_reset.txt", context),
    )


@task()
def send_invitation(invitation_id: int) -> None:
    """Give the invitation a fresh token and email it; an earlier email's link stops working.

    The row was created with the hash of a token nobody was told, so until this runs the
    invitation cannot be accepted by anyone.
    """
    token = secrets.token_urlsafe(32)
    claimed = (
        Invitation.objects.pending().filter(pk=invitation_id).update(token_hash=hash_token(token))
    )
    if not claimed:
        return  # accepted or withdrawn meanwhile
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(
        pk=invitation_id
    )
    context = {
        "invitation": invitation,
        "link": site_link(reverse("accounts:invitation", args=[token])),
        "inviter": invitation.invited_by,
    }
    send_email.call(
        to=[invitation.email],
        subject=_("You are invited to join %(org)s on Groundswell")
        % {"org": invitation.organisation.name},
        body=render_to_string("accounts/email/invitation.txt", context),
    )


@task()
def tell_operators_about_waiting(organisation_id: int) -> None:
    """Email every site operator that an organisation waits for their approval."""
    organisation = (
        Organisation.objects.waiting()
        .filter(pk=organisation_id)
        .prefetch_related("memberships__user")
        .first()
    )
    if organisation is None:
        return  # approved (or deleted) before the worker got here
    operators = User.objects.filter(is_active=True).filter(Q(is_staff=True) | Q(is_superuser=True))
    changelist = reverse("admin:accounts_organisation_changelist")
    context = {
        "organisation": organisation,
        "owners": [m.user for m in organisation.memberships.all() if m.role == "owner"],
        "link": f"{settings.SITE_URL}{changelist}?state__exact={OrganisationState.WAITING}",
    }
    subject = _("An organisation waits for approval: %(name)s") % {"name": organisation.name}
    body = render_to_string("accounts/email/organisation_waiting.txt", context)
    for operator in operators.order_by("pk"):
        # Operator mail, about the site: it belongs to no organisation's outbox.
        send_email.call(to=[operator.email], subject=" ".join(subject.split()), body=body)


def queue_password_reset(user_id: int) -> None:
    send_password_reset.enqueue(user_id)


def queue_invitation(invitation_id: int) -> None:
    send_invitation.enqueue(invitation_id)


def queue_waiting_notice(organisation_id: int) -> None:
    """Tell the operators an organisation waits; queued with the caller's transaction."""
    tell_operators_about_waiting.enqueue(organisation_id)


@task()
def tell_of_new_sign_in(user_id: int, device: str, network: str, when: str) -> None:
    """Email a person that their account was signed in to from a browser new to it."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    context = {
        "user": user,
        "device": device,
        "network": network,
        "when": datetime.fromisoformat(when),
        "link": site_link(reverse("accounts:security")),
        "reset": site_link(reverse("accounts:password_reset")),
    }
    send_email.call(
        to=[user.email],
        subject=_("New sign-in to your Groundswell account"),
        body=render_to_string("accounts/email/new_device.txt", context),
    )


def queue_new_device_notice(user_id: int, device: str, network: str, when: str) -> None:
    """Queued from the sign-in request: the worker sends it (no SMTP inside a request)."""
    tell_of_new_sign_in.enqueue(user_id, device, network, when)


TWO_FACTOR_SUBJECTS = {
    "on": gettext_lazy("Two-factor sign-in is on for your Groundswell account"),
    "off": gettext_lazy("Two-factor sign-in is off for your Groundswell account"),
    "recovery": gettext_lazy("A recovery code was used on your Groundswell account"),
}


@task()
def tell_of_two_factor_change(user_id: int, change: str, when: str) -> None:
    """Email a person that two-factor sign-in went on or off, or a recovery code was used:
    if it was not them, someone else holds their password (and maybe more)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or change not in TWO_FACTOR_SUBJECTS:
        return
    context = {
        "user": user,
        "change": change,
        "left": RecoveryCode.objects.unused().filter(user_id=user.pk).count(),
        "when": datetime.fromisoformat(when),
        "link": site_link(reverse("accounts:security")),
        "reset": site_link(reverse("accounts:password_reset")),
    }
    send_email.call(
        to=[user.email],
        subject=str(TWO_FACTOR_SUBJECTS[change]),
        body=render_to_string("accounts/email/two_factor_change.txt", context),
    )


def queue_two_factor_notice(user_id: int, change: str, when: str) -> None:
    """Queued with the change's transaction: the worker sends it."""
    tell_of_two_factor_change.enqueue(user_id, change, when)
