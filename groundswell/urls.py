from django.contrib import admin
from django.urls import include, path

from groundswell.accounts.signin import ThrottledAdminAuthenticationForm

# Otherwise /admin/login/ would be a way round the sign-in throttle.
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    # The sign form is the hottest URL under a spike: resolve it first, and the other public
    # actions (RSVP, volunteer sign-up, vote: target P8) next. Resolving through twenty
    # apps' patterns first was a sixth of their POST's time (bench/p8_cpu.py).
    path("", include("groundswell.actions.urls")),
    path("", include("groundswell.events.urls")),
    path("", include("groundswell.volunteers.urls")),
    path("", include("groundswell.ideas.urls")),
    path("admin/", admin.site.urls),
    path("", include("groundswell.accounts.urls")),
    path("", include("groundswell.campaigns.urls")),
    path("", include("groundswell.stories.urls")),
    path("", include("groundswell.audit.urls")),
    path("", include("groundswell.notifications.urls")),
    path("", include("groundswell.supporters.urls")),
    path("", include("groundswell.referrals.urls")),
    path("", include("groundswell.api.urls")),
    path("", include("groundswell.moderation.urls")),
    path("", include("groundswell.federation.urls")),
    path("", include("groundswell.syndication.urls")),
    path("", include("groundswell.listening.urls")),
    path("", include("groundswell.safety.urls")),
    path("", include("groundswell.fraud.urls")),
    path("", include("groundswell.retention.urls")),
    path("", include("groundswell.analytics.urls")),
    path("", include("groundswell.timelog.urls")),
    path("", include("groundswell.ledger.urls")),
    path("", include("groundswell.reporting.urls")),
    path("", include("groundswell.payments.urls")),
    path("", include("groundswell.fieldreports.urls")),
    path("", include("groundswell.hub.urls")),
]
