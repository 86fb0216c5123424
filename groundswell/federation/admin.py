from django.contrib import admin

from .models import BlockedDomain, Delivery, InboxHealth, ReceivedActivity, RemoteActor


@admin.register(BlockedDomain)
class BlockedDomainAdmin(admin.ModelAdmin[BlockedDomain]):
    list_display = ("domain", "reason", "created_at")
    search_fields = ("domain",)


@admin.register(RemoteActor)
class RemoteActorAdmin(admin.ModelAdmin[RemoteActor]):
    list_display = ("uri", "username", "domain", "fetched_at")
    search_fields = ("uri", "username", "domain")
    readonly_fields = tuple(f.name for f in RemoteActor._meta.fields)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ("inbox", "activity", "state", "attempts", "next_attempt_at", "last_error")
    list_filter = ("state",)
    readonly_fields = tuple(f.name for f in Delivery._meta.fields)


@admin.register(InboxHealth)
class InboxHealthAdmin(admin.ModelAdmin[InboxHealth]):
    list_display = ("inbox", "consecutive_failures", "paused_until", "last_error")


@admin.register(ReceivedActivity)
class ReceivedActivityAdmin(admin.ModelAdmin[ReceivedActivity]):
    list_display = ("received_at", "type", "actor_uri", "state", "error")
    list_filter = ("state", "type")
    readonly_fields = tuple(f.name for f in ReceivedActivity._meta.fields)
