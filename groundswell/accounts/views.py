from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import devices, services
from .access import require, staff_view
from .forms import (
    InvitationForm,
    NewOrganisationForm,
    OrganisationForm,
    RoleForm,
    SignupForm,
    TwoFactorRequirementForm,
)
from .models import Invitation, Membership, Role, User

# Where a person lands without a last-used organisation: the one they carry most for.
LANDING_ORDER = [Role.OWNER, Role.SAFETY_OFFICER, Role.EDITOR, Role.MODERATOR, Role.ANALYST]


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """Send staff to the organisation they used last, else the one where their role is
    highest (an owner lands in their own organisation, not in one they only help)."""
    memberships = list(Membership.objects.for_user(request.user))
    if not memberships:
        return render(request, "accounts/no_organisation.html")
    last = request.session.get("org")
    ranked = sorted(memberships, key=lambda m: LANDING_ORDER.index(Role(m.role)))
    chosen = next((m for m in memberships if m.organisation.slug == last), ranked[0])
    return redirect("hub:dashboard", org=chosen.organisation.slug)


@login_required
def new_organisation(request: HttpRequest) -> HttpResponse:
    form = NewOrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = services.create_organisation(
            name=data["name"],
            slug=data["slug"],
            owner=request.user,  # type: ignore[arg-type]
            summary=data["summary"],
            website=data["website"],
            approval_required=data["approval_required"],
        )
        if organisation.is_public:
            messages.success(request, _("Your organisation is ready."))
        else:
            messages.success(
                request,
                _(
                    "Your organisation is ready for you to prepare. A site operator has to "
                    "approve it before anything of it is public."
                ),
            )
        return redirect("hub:dashboard", org=organisation.slug)
    return render(request, "accounts/new_organisation.html", {"form": form})


@staff_view()
def members(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        require(membership, "members.manage")
        if form.is_valid():
            try:
                services.invite_member(membership, **form.cleaned_data)
            except ValidationError as error:
                form.add_error("email", error)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect("accounts:members", org=organisation.slug)
    context = {
        "form": form,
        "members": organisation.memberships.select_related("user").order_by("user__name"),
        "invitations": organisation.invitations.pending().select_related("invited_by"),
        "role_form": RoleForm,
    }
    return render(request, "accounts/members.html", context)


def _member(membership: Membership, member_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"),
        pk=member_id,
        organisation=membership.organisation,
    )


@require_POST
@staff_view("members.manage")
def member_role(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    target = _member(membership, member_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed roles."))
    else:
        try:
            services.change_role(membership, target, form.cleaned_data["role"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Role changed."))
    return redirect("accounts:members", org=membership.organisation.slug)


@require_POST
@staff_view("members.manage")
def member_remove(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    target = _member(membership, member_id)
    try:
        services.remove_member(membership, target)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(email)s was removed.") % {"email": target.user.email})
    if target.user_id == request.user.pk:
        return redirect("accounts:staff_home")
    return redirect("accounts:members", org=membership.organisation.slug)


@require_POST
@staff_view("members.manage")
def invitation_revoke(
    request: HttpRequest, membership: Membership, invitation_id: int
) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, organisation=membership.organisation
    )
    services.revoke_invitation(membership, invitation)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("accounts:members", org=membership.organisation.slug)


@staff_view()
def organisation_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST":
        require(membership, "organisation.edit")
        if form.is_valid():
            services.update_organisation(membership, form.cleaned_data)
            messages.success(request, _("Settings saved."))
            return redirect("accounts:settings", org=organisation.slug)
        organisation.refresh_from_db()
    requirement = TwoFactorRequirementForm(initial={"required": organisation.two_factor_required})
    return render(
        request, "accounts/settings.html", {"form": form, "requirement_form": requirement}
    )


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: sign in as the invited address, or create that account."""
    found = services.find_invitation(token)
    if found is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    user = request.user
    if user.is_authenticated:
        if request.method == "POST":
            try:
                services.accept_invitation(found, user)
            except (PermissionDenied, ValidationError) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
                return redirect("accounts:invitation", token=token)
            messages.success(request, _("Welcome to %(org)s.") % {"org": found.organisation.name})
            return redirect("hub:dashboard", org=found.organisation.slug)
        return render(request, "accounts/invitation.html", {"invitation": found})
    if User.objects.filter(email=found.email).exists():
        next_url = reverse("accounts:invitation", args=[token])
        return render(
            request, "accounts/invitation.html", {"invitation": found, "login_next": next_url}
        )
    form = SignupForm(request.POST if request.method == "POST" else None, email=found.email)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                new_user = User.objects.create_user(
                    found.email, form.cleaned_data["password1"], name=form.cleaned_data["name"]
                )
                services.accept_invitation(found, new_user)
        except (IntegrityError, ValidationError):
            # The form sent twice at once (a double click): the other request made the
            # account and used the invitation between our check above and this INSERT.
            messages.error(
                request,
                _("This invitation has just been used to create the account. Sign in to go on."),
            )
            next_url = reverse("hub:dashboard", args=[found.organisation.slug])
            context = {"invitation": found, "login_next": next_url}
            return render(request, "accounts/invitation.html", context, status=409)
        login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to %(org)s.") % {"org": found.organisation.name})
        response = redirect("hub:dashboard", org=found.organisation.slug)
        devices.note_sign_in(request, new_user, response)
        return response
    # A sign-up sent with mistakes is refused (400), the form again with its summary.
    status = 400 if request.method == "POST" else 200
    context = {"invitation": found, "form": form}
    return render(request, "accounts/invitation.html", context, status=status)


@login_required
def switch(request: HttpRequest) -> HttpResponse:
    """The no-JavaScript organisation switcher posts here."""
    slug = request.POST.get("org", "") if request.method == "POST" else ""
    user = request.user
    if not Membership.objects.filter(user_id=user.pk or 0, organisation__slug=slug).exists():
        raise Http404
    return redirect("hub:dashboard", org=slug)
