"""Connecting and disconnecting accounts (conventions, habits 1 and 4).

Connecting never waits for the network: the page stores the account as "checking" and
enqueues `tasks.check_account`; the worker logs in with the secret and moves the account to
"connected" or "failed" (workflow.AccountState).
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.audit.services import record
from groundswell.lib import http, leases

from . import bluesky, crypto, mastodon, tasks
from .models import ChannelAccount, Network, ScheduledPost
from .outgoing import DeliveryError
from .workflow import AccountState, PostState, account_allowed

logger = logging.getLogger(__name__)

# A check still pending after this was lost; the dispatcher runs it (check_forgotten).
CHECK_FORGOTTEN_AFTER = timedelta(minutes=5)
ALREADY_CONNECTED = gettext_lazy(
    "An account on this network is already connected; disconnect it first."
)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_server(url: str) -> str:
    """The address of a server we send a secret to: https only, and an allowed host.

    Plain http would show the app password or token to anyone on the path; the tests' fake
    servers on loopback are the only exception (settings.HTTP_ALLOW_LOOPBACK).
    """
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    plain_allowed = settings.HTTP_ALLOW_LOOPBACK and _is_loopback(parts.hostname or "")
    if parts.scheme != "https" and not (parts.scheme == "http" and plain_allowed):
        raise ValidationError({"service_url": _("The server address must start with https://.")})
    try:
        http.check_url_shape(url)  # no DNS lookup while the page waits
    except http.FetchError:
        raise ValidationError(
            {"service_url": _("That server address cannot be used: check it and try again.")}
        ) from None
    return url


def _refuse_second(membership: Membership, network: str) -> None:
    if (
        ChannelAccount.objects.usable()
        .filter(organisation=membership.organisation, network=network)
        .exists()
    ):
        raise ValidationError(ALREADY_CONNECTED)


def _retire_failed(membership: Membership, network: str) -> None:
    """Connecting again replaces an account whose check failed: forget its secret."""
    ChannelAccount.objects.current().filter(
        organisation=membership.organisation, network=network, state=AccountState.FAILED
    ).update(disconnected_at=timezone.now(), secret_encrypted="", session_encrypted="")


def _connect(
    membership: Membership,
    *,
    network: str,
    handle: str,
    server: str,
    secret: str,
    state: str = AccountState.CHECKING,
) -> ChannelAccount:
    with transaction.atomic():
        _refuse_second(membership, network)
        _retire_failed(membership, network)
        try:
            # Two people connecting at once both pass the check above; the partial unique
            # constraint lets only one in.
            with transaction.atomic():
                account = ChannelAccount.objects.create(
                    organisation=membership.organisation,
                    network=network,
                    handle=handle,
                    service_url=server,
                    secret_encrypted=crypto.encrypt(secret),
                    connected_by=membership.user,
                    state=state,
                )
        except IntegrityError:
            raise ValidationError(ALREADY_CONNECTED) from None
        names = {"network": account.get_network_display(), "id": account.pk}
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="syndication.connect",
            target=account,
            summary=(
                _("Connected %(network)s account #%(id)s")
                if state == AccountState.CONNECTED
                else _("Connecting %(network)s account #%(id)s (checking it)")
            )
            % names,
            changes={
                "network": ["", network],
                "handle": ["", handle],
                "server": ["", server],
                "state": ["", state],
            },
        )
        if state == AccountState.CHECKING:
            tasks.queue_account_check(account.pk)
    return account


def _required(value: str, field: str, message: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError({field: message})
    return value


def connect_bluesky(
    membership: Membership, *, handle: str, app_password: str, service_url: str = ""
) -> ChannelAccount:
    """Keep the handle and app password (encrypted); the worker checks them by logging in."""
    require(membership, "organisation.edit")
    server = _check_server(service_url or bluesky.DEFAULT_SERVICE)
    handle = _required(handle, "handle", _("Enter the account's handle.")).lstrip("@")
    if not app_password.strip():
        raise ValidationError({"app_password": _("Enter the app password.")})
    return _connect(
        membership, network=Network.BLUESKY, handle=handle, server=server, secret=app_password
    )


def connect_local(membership: Membership) -> ChannelAccount:
    """Connect the built-in demo timeline: nothing to check, no secret to keep."""
    require(membership, "organisation.edit")
    return _connect(
        membership,
        network=Network.LOCAL,
        handle=str(Network.LOCAL.label),
        server=settings.SITE_URL,
        secret="",
        state=AccountState.CONNECTED,
    )


def connect_mastodon(
    membership: Membership, *, service_url: str, access_token: str
) -> ChannelAccount:
    """Keep the access token (encrypted); the worker checks it with the server."""
    require(membership, "organisation.edit")
    server = _check_server(service_url)
    token = _required(access_token, "access_token", _("Enter the access token."))
    # The account name is what the server answers to the check; until then it is unknown.
    return _connect(membership, network=Network.MASTODON, handle="", server=server, secret=token)


def _verification_failed(error: DeliveryError) -> str:
    if error.temporary:
        return _("The server could not be reached (%(reason)s). Try again later.") % {
            "reason": str(error)
        }
    return _("The server refused these details: %(reason)s") % {"reason": error}


def _move(account: ChannelAccount, target: str, **fields: object) -> bool:
    """The one place an account changes state: a conditional UPDATE only one worker wins."""
    assert account_allowed(account.state, target), (account.state, target)
    moved = (
        ChannelAccount.objects.current()
        .filter(pk=account.pk, state=account.state)
        .update(state=target, **fields)
    )
    if moved:
        account.state = target
        for key, value in fields.items():
            setattr(account, key, value)
    return bool(moved)


def check(account_id: int) -> str:
    """Log in with a "checking" account's secret; return its state afterwards.

    Idempotent: an account that is no longer checking (checked already, or disconnected) is
    left alone, so a repeated task does nothing.
    """
    account = (
        ChannelAccount.objects.current()
        .select_related("organisation")
        .filter(pk=account_id, state=AccountState.CHECKING)
        .first()
    )
    if account is None:
        return ""
    fields: dict[str, object] = {}
    try:
        secret = crypto.decrypt(account.secret_encrypted)
        if account.network == Network.BLUESKY:
            fields["remote_account_id"] = bluesky.verify(
                account.service_url, account.handle, secret
            )
        else:
            acct, remote_id = mastodon.verify(account.service_url, secret)
            fields.update(handle=acct[:255], remote_account_id=remote_id[:255])
    except DeliveryError as error:
        return _check_failed(account, _verification_failed(error))
    except crypto.SecretUnreadable:
        return _check_failed(
            account, _("The stored password cannot be read; connect the account again.")
        )
    except Exception:
        # A bug or an answer we did not expect: never leave the account "checking" forever.
        logger.exception("checking channel account %s failed", account.pk)
        return _check_failed(account, _("An unexpected error happened."))
    if _move(account, AccountState.CONNECTED, failure_reason="", **fields):
        record(
            organisation=account.organisation,
            actor=None,
            action="syndication.checked",
            target=account,
            summary=_("%(network)s account #%(id)s is connected")
            % {"network": account.get_network_display(), "id": account.pk},
        )
    return account.state


def check_forgotten(*, older_than: timedelta = CHECK_FORGOTTEN_AFTER) -> int:
    """Check the accounts left "checking" longer than `older_than` (a worker that died
    mid-check, a lost task); the dispatcher calls this on every run (habit 4)."""
    # A check whose task was lost is an expired lease: the leases' clock decides.
    cutoff = leases.now() - older_than
    stale = ChannelAccount.objects.current().filter(
        state=AccountState.CHECKING, connected_at__lt=cutoff
    )
    return sum(1 for pk in stale.values_list("pk", flat=True)[:20] if check(pk))


def _check_failed(account: ChannelAccount, reason: str) -> str:
    reason = reason[:500]
    # A secret the server refused is of no further use: trying again means entering it again.
    if _move(
        account,
        AccountState.FAILED,
        failure_reason=reason,
        secret_encrypted="",
        session_encrypted="",
    ):
        record(
            organisation=account.organisation,
            actor=None,
            action="syndication.check_failed",
            target=account,
            # The server's own words stay on the account's page, not in the log.
            summary=_("Could not connect %(network)s account #%(id)s")
            % {"network": account.get_network_display(), "id": account.pk},
        )
    return account.state


@transaction.atomic
def disconnect_account(membership: Membership, account: ChannelAccount) -> None:
    """Forget the secret; posts still waiting for this account fail with a reason."""
    require(membership, "organisation.edit")
    now = timezone.now()
    changed = ChannelAccount.objects.filter(pk=account.pk, disconnected_at__isnull=True).update(
        disconnected_at=now, secret_encrypted="", session_encrypted=""
    )
    if not changed:
        return
    ScheduledPost.objects.filter(account=account, state=PostState.SCHEDULED).update(
        state=PostState.FAILED, last_error=_("The account was disconnected.")
    )
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="syndication.disconnect",
        target=account,
        summary=_("Disconnected %(network)s account #%(id)s")
        % {"network": account.get_network_display(), "id": account.pk},
    )
