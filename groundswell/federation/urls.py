from django.urls import path, re_path

from . import staff_views, views

app_name = "federation"

UUID = "<uuid:activity_uuid>"
urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/host-meta", views.host_meta, name="host_meta"),
    path(".well-known/nodeinfo", views.nodeinfo_index, name="nodeinfo_index"),
    re_path(r"^nodeinfo/(?P<version>2\.[01])$", views.nodeinfo, name="nodeinfo"),
    path("ap/inbox", views.shared_inbox, name="shared_inbox"),
    path("ap/instance", views.instance_actor, name="instance_actor"),
    path("ap/instance/outbox", views.instance_outbox, name="instance_outbox"),
    path("ap/actors/<int:pk>", views.actor, name="actor"),
    path("ap/actors/<int:pk>/inbox", views.actor_inbox, name="inbox"),
    path("ap/actors/<int:pk>/outbox", views.outbox, name="outbox"),
    path("ap/actors/<int:pk>/followers", views.followers, name="followers"),
    path("ap/actors/<int:pk>/following", views.following, name="following"),
    path("ap/stories/<int:pk>", views.story, name="story"),
    path(f"ap/activities/{UUID}", views.activity, name="activity"),
    path(f"ap/notes/{UUID}", views.note, name="note"),
    path("staff/<slug:org>/federation/", staff_views.overview, name="staff_overview"),
    path("staff/<slug:org>/federation/inbox/", staff_views.inbox, name="staff_inbox"),
    path(
        "staff/<slug:org>/federation/inbox/<int:interaction_id>/reply/",
        staff_views.reply,
        name="staff_reply",
    ),
]
