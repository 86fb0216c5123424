from django.urls import path

from . import board, views

app_name = "listening"

urlpatterns = [
    path("staff/<slug:org>/listening/", views.signals, name="signals"),
    path("staff/<slug:org>/listening/signals/<int:signal_id>/", board.signal, name="signal"),
    path("staff/<slug:org>/listening/signals/<int:signal_id>/assign/", board.assign, name="assign"),
    path("staff/<slug:org>/listening/signals/<int:signal_id>/mark/", board.move, name="move"),
    path("staff/<slug:org>/listening/signals/<int:signal_id>/notes/", board.note, name="note"),
    path("staff/<slug:org>/listening/signals/<int:signal_id>/mute/", board.mute, name="mute"),
    path("staff/<slug:org>/listening/signals/<int:signal_id>/reply/", board.reply, name="reply"),
    path("staff/<slug:org>/listening/signals/<int:signal_id>/story/", board.story, name="story"),
    path(
        "staff/<slug:org>/listening/replies/<int:reply_id>/approve/",
        board.approve_reply,
        name="reply_approve",
    ),
    path(
        "staff/<slug:org>/listening/replies/<int:failed_reply_id>/retry/",
        board.retry_reply,
        name="reply_retry",
    ),
    path("staff/<slug:org>/listening/muted/<int:muted_id>/unmute/", board.unmute, name="unmute"),
    path("staff/<slug:org>/listening/monitors/", views.monitors, name="monitors"),
    path(
        "staff/<slug:org>/listening/monitors/<int:monitor_id>/pause/",
        views.pause,
        name="monitor_pause",
    ),
    path(
        "staff/<slug:org>/listening/monitors/<int:monitor_id>/resume/",
        views.resume,
        name="monitor_resume",
    ),
    path("staff/<slug:org>/listening/rules/", views.rules, name="rules"),
    path(
        "staff/<slug:org>/listening/rules/<int:rule_id>/pause/", views.rule_pause, name="rule_pause"
    ),
    path(
        "staff/<slug:org>/listening/rules/<int:rule_id>/resume/",
        views.rule_resume,
        name="rule_resume",
    ),
    path("staff/<slug:org>/listening/spikes/", views.spikes_page, name="spikes"),
    path("staff/<slug:org>/listening/spikes/<int:spike_id>/", views.spike, name="spike"),
    path("staff/<slug:org>/listening/spikes/email/", views.spike_email, name="spike_email"),
    # WebSub hubs call this: the intent check (GET) and the signed deliveries (POST).
    path("listening/websub/<str:token>/", views.websub_callback, name="websub"),
]
