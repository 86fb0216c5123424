from django.contrib import admin

from .models import PublicFigure


@admin.register(PublicFigure)
class PublicFigureAdmin(admin.ModelAdmin[PublicFigure]):
    list_display = ("name", "organisation", "created_at")
    list_filter = ("organisation",)
    search_fields = ("name",)
