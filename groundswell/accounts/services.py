from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.audit.services import diff, record

from . import tasks, twofactor
from .access import require
from .models import (
    Invitation,
    Membership,
    Organisation,
    OrganisationState,
    Role,
    User,
    hash_token,
)

ORGANISATION_FIELDS = (
    "name",
    "summary",
    "website",
    "approval_required",
    "story_format",
    "time_zone",
    "transparency_page",
)


def is_operator(user: Any) -> bool:
    """A site operator: the people who run the site (Django admin), not an organisation's staff."""
    return bool(getattr(user, "is_active", False) and (user.is_staff or user.is_superuser))


@transaction.atomic
def create_organisation(
    *, name: str, slug: str, owner: User, approved: bool | None = None, **fields: Any
) -> Organisation:
    """Start an organisation owned by `owner`.

    It is public at once when signup is open or an operator starts it; otherwise it waits
    for an operator, who is told by email. `approved` overrides that for trusted callers
    (the demo seed, tests).
    """
    if approved is None:
        approved = settings.ORGANISATION_SIGNUP == "open" or is_operator(owner)
    organisation = Organisation(name=name, slug=slug, **fields)
    if approved:
        organisation.state = OrganisationState.APPROVED
        organisation.approved_at = timezone.now()
    organisation.full_clean()
    organisation.save()
    membership = Membership.objects.create(user=owner, organisation=organisation, role=Role.OWNER)
    record(
        organisation=organisation,
        actor=owner,
        action="organisation.create",
        target=organisation,
        summary=_("Created organisation #%(id)s") % {"id": organisation.pk},
    )
    record(
        organisation=organisation,
        actor=owner,
        action="member.add",
        target=membership,
        summary=_("User #%(user)s joined as owner (member #%(id)s)")
        % {"user": owner.pk, "id": membership.pk},
    )
    if not approved:
        # Queued with this transaction: the worker emails, never the request.
        tasks.queue_waiting_notice(organisation.pk)
    return organisation


@transaction.atomic
def approve_organisation(organisation: Organisation, *, by: User) -> bool:
    """A site operator lets a waiting organisation go public; True if this call did it."""
    if not is_operator(by):
        raise PermissionDenied(_("Only a site operator can approve an organisation."))
    now = timezone.now()
    # Conditional: two operators approving at once write one audit entry, not two.
    changed = (
        Organisation.objects.waiting()
        .filter(pk=organisation.pk)
        .update(state=OrganisationState.APPROVED, approved_at=now, approved_by=by)
    )
    if not changed:
        return False
    organisation.state, organisation.approved_at, organisation.approved_by = (
        OrganisationState.APPROVED,
        now,
        by,
    )
    record(
        organisation=organisation,
        actor=by,
        action="organisation.approve",
        target=organisation,
        summary=_("A site operator approved the organisation: it is public now"),
        changes={"state": [OrganisationState.WAITING, OrganisationState.APPROVED]},
    )
    # Stories and campaigns depend on accounts, not the reverse.
    from groundswell.campaigns import media as campaign_media
    from groundswell.stories import media as story_media

    # Images of stories published while it waited, covers of campaigns made public meanwhile:
    # their addresses now, their files at once on disk or in tasks queued on commit (S3).
    story_media.sync_organisation(organisation)
    campaign_media.sync_organisation(organisation)
    return True


@transaction.atomic
def delete_organisation(organisation: Organisation) -> None:
    """Delete an organisation (a site operator, in the admin) and its uploaded files.

    The rows go by cascade; the files, public copies included, once that is committed (in
    object storage, in tasks: pages stop linking them with the rows).
    """
    from groundswell.campaigns import media as campaign_media
    from groundswell.stories import media as story_media

    story_files = story_media.organisation_files(organisation)
    campaign_files = campaign_media.organisation_files(organisation)
    organisation.delete()
    story_media.delete_names(story_files)
    campaign_media.delete_names(campaign_files)


@transaction.atomic
def update_organisation(membership: Membership, data: dict[str, Any]) -> Organisation:
    require(membership, "organisation.edit")
    # Re-read the row: a bound ModelForm has already written its data onto the instance.
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    before = {field: getattr(organisation, field) for field in ORGANISATION_FIELDS}
    for field in ORGANISATION_FIELDS:
        if field in data:
            setattr(organisation, field, data[field])
    organisation.full_clean()
    after = {field: getattr(organisation, field) for field in ORGANISATION_FIELDS}
    changes = diff(before, after)
    if changes:
        organisation.save(update_fields=list(changes))
        record(
            organisation=organisation,
            actor=membership.user,
            action="organisation.update",
            target=organisation,
            summary=_("Changed settings: %(fields)s") % {"fields": ", ".join(changes)},
            changes=changes,
        )
    return organisation


@transaction.atomic
def invite_member(membership: Membership, *, email: str, role: str) -> Invitation:
    """Create an invitation and queue its email. The token exists only in that email.

    The queued task carries only the invitation's id; it makes the token when it sends.
    """
    require(membership, "members.manage")
    organisation = membership.organisation
    email = User.objects.normalize_email(email).lower()
    if Membership.objects.filter(organisation=organisation, user__email=email).exists():
        raise ValidationError(_("%(email)s is already a member.") % {"email": email})
    Invitation.objects.pending().filter(organisation=organisation, email=email).update(
        revoked_at=timezone.now()
    )
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        # A token nobody is told: the task that sends the email sets the real one.
        token_hash=hash_token(secrets.token_urlsafe(32)),
        invited_by=membership.user,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    tasks.queue_invitation(invitation.pk)
    record(
        organisation=organisation,
        actor=membership.user,
        action="invitation.create",
        target=invitation,
        summary=_("Sent invitation #%(id)s as %(role)s") % {"id": invitation.pk, "role": role},
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )
    return invitation if invitation and invitation.is_usable() else None


@transaction.atomic
def accept_invitation(invitation: Invitation, user: User) -> Membership:
    if invitation.email != user.email:
        raise PermissionDenied(
            _("This invitation was sent to another address. Sign in as %(email)s to accept it.")
            % {"email": invitation.email}
        )
    # Claim the invitation with a conditional update so a double click cannot use it twice.
    claimed = (
        Invitation.objects.pending()
        .filter(pk=invitation.pk)
        .update(accepted_at=timezone.now(), accepted_by=user)
    )
    if not claimed:
        raise ValidationError(_("This invitation has already been used or withdrawn."))
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, organisation=invitation.organisation, role=invitation.role
            )
    except IntegrityError:
        membership = Membership.objects.get(user=user, organisation=invitation.organisation)
        return membership
    record(
        organisation=invitation.organisation,
        actor=user,
        action="member.add",
        target=membership,
        summary=_("User #%(user)s accepted invitation #%(invitation)s as %(role)s")
        % {"user": user.pk, "invitation": invitation.pk, "role": invitation.role},
    )
    return membership


@transaction.atomic
def revoke_invitation(membership: Membership, invitation: Invitation) -> None:
    require(membership, "members.manage")
    updated = (
        Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now())
    )
    if updated:
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="invitation.revoke",
            target=invitation,
            summary=_("Withdrew invitation #%(id)s") % {"id": invitation.pk},
        )


def _keep_an_owner(target: Membership, new_role: str | None) -> None:
    if target.role != Role.OWNER or new_role == Role.OWNER:
        return
    owners = Membership.objects.select_for_update().filter(
        organisation=target.organisation, role=Role.OWNER
    )
    if owners.count() <= 1:
        raise ValidationError(_("An organisation needs at least one owner."))


@transaction.atomic
def change_role(membership: Membership, target: Membership, role: str) -> Membership:
    require(membership, "members.manage")
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    if target.role == role:
        return target
    _keep_an_owner(target, role)
    old = target.role
    target.role = role
    target.save(update_fields=["role"])
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="member.role",
        target=target,
        summary=_("User #%(user)s is now %(role)s") % {"user": target.user_id, "role": role},
        changes={"role": [old, role]},
    )
    return target


@transaction.atomic
def remove_member(membership: Membership, target: Membership) -> None:
    require(membership, "members.manage")
    _keep_an_owner(target, None)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="member.remove",
        target=target,
        summary=_("Removed user #%(user)s (member #%(id)s)")
        % {"user": target.user_id, "id": target.pk},
    )
    target.delete()


@transaction.atomic
def require_two_factor(membership: Membership, required: bool) -> bool:
    """An owner makes two-factor sign-in a condition of the staff pages, or lifts it.

    The owner must use it first: otherwise their next page would send them to set it up.
    Returns whether anything changed.
    """
    require(membership, "organisation.edit")
    organisation = membership.organisation
    if required and not twofactor.is_on(membership.user):
        raise ValidationError(
            _("Turn on two-factor sign-in for yourself first, then require it of everyone.")
        )
    if organisation.two_factor_required == required:
        return False
    organisation.two_factor_required = required
    organisation.save(update_fields=["two_factor_required"])
    record(
        organisation=organisation,
        actor=membership.user,
        action="organisation.two_factor_required",
        target=organisation,
        summary=(
            _("Required two-factor sign-in of every member")
            if required
            else _("Stopped requiring two-factor sign-in")
        ),
        changes={"two_factor_required": [not required, required]},
    )
    return True
