from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import NOT_YET_PUBLIC, Membership, hash_token, require_public
from groundswell.audit.services import record

from . import osdi
from .models import ApiToken

TOKEN_PREFIX = "gs_"  # noqa: S105 - marks our tokens (secret scanners can spot them)
VISIBLE_CHARS = 10  # "gs_" and seven random characters: enough to tell tokens apart
LAST_USED_PRECISION = timedelta(minutes=1)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Give the token a name, like the system that will use it."))
    if len(name) > 100:
        raise ValidationError(_("Keep the name to 100 characters or fewer."))
    return name


@transaction.atomic
def issue_token(membership: Membership, *, name: str) -> tuple[ApiToken, str]:
    """Create a token for the member's organisation; the raw token is returned only here."""
    require(membership, "api.manage")
    require_public(membership.organisation)
    name = _clean_name(name)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organisation=membership.organisation,
        name=name,
        prefix=raw[:VISIBLE_CHARS],
        token_hash=hash_token(raw),
        created_by=membership.user,
    )
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="api_token.create",
        target=token,
        summary=_("Created API token #%(id)s (%(prefix)s…)")
        % {"id": token.pk, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def revoke_token(membership: Membership, token: ApiToken) -> bool:
    """Stop the token working at once (idempotent); True if this call revoked it."""
    require(membership, "api.manage")
    revoked = ApiToken.objects.filter(
        pk=token.pk, organisation=membership.organisation, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="api_token.revoke",
            target=token,
            summary=_("Revoked API token #%(id)s (%(prefix)s…)")
            % {"id": token.pk, "prefix": token.prefix},
        )
    return bool(revoked)


def authenticate(raw: str | None) -> ApiToken | None:
    """The live token matching `raw`, or None.

    We look the token up by its SHA-256 hash, never by comparing secrets: the database
    compares hashes, so timing tells an attacker nothing about the token itself.
    """
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("organisation")
        .filter(token_hash=hash_token(raw))
        .first()
    )
    if token is None:
        return None
    if not token.organisation.is_public:
        # A clear refusal, not "invalid token": an owner can see why and what to wait for.
        raise osdi.ApiError.one(403, "ORGANISATION_WAITING", str(NOT_YET_PUBLIC))
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        # At most one write a minute per token, and a conditional one: a busy integration
        # must not turn every request into an UPDATE of the same row.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
