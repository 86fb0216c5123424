from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Invitation, Membership, Organisation, OrganisationQuerySet, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "name", "password")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "name", "password1", "password2")}),)


class MembershipInline(admin.TabularInline[Membership, Organisation]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "slug", "state", "created_at", "approved_at", "approval_required")
    list_filter = ("state",)
    search_fields = ("name", "slug")
    # The state changes only through the approve action: the service writes the audit entry.
    readonly_fields = ("state", "approved_at", "approved_by")
    inlines = (MembershipInline,)
    actions = ("approve",)

    # Every site operator (is_staff, see User) reviews waiting organisations: the email that
    # tells them about one links here, so it must not need a permission set up by hand.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return services.is_operator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return services.is_operator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return services.is_operator(request.user)

    # Deleting goes through the service, so the organisation's files leave /media/ too.
    def delete_model(self, request: HttpRequest, obj: Organisation) -> None:
        services.delete_organisation(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        for organisation in queryset:
            services.delete_organisation(organisation)

    @admin.action(description=_("Approve the selected organisations (make them public)"))
    def approve(self, request: HttpRequest, queryset: OrganisationQuerySet) -> None:
        approved = sum(
            services.approve_organisation(organisation, by=request.user)  # type: ignore[arg-type]
            for organisation in queryset.waiting()
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d organisation approved: it is public now.",
                "%(count)d organisations approved: they are public now.",
                approved,
            )
            % {"count": approved},
            messages.SUCCESS,
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("email", "organisation", "role", "created_at", "accepted_at", "revoked_at")
    exclude = ("token_hash",)
