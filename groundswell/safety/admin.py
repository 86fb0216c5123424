from django.contrib import admin
from django.http import HttpRequest

from .models import PublicFigure


@admin.register(PublicFigure)
class PublicFigureAdmin(admin.ModelAdmin[PublicFigure]):
    """Read-only: the staff page adds and removes figures through services, which write the
    audit log; a change made here would leave no trace of who let a name through."""

    list_display = ("name", "organisation", "created_at")
    list_filter = ("organisation",)
    search_fields = ("name",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PublicFigure | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PublicFigure | None = None) -> bool:
        return False
