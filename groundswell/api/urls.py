from django.urls import path

from . import views
from .endpoints import api

app_name = "api"

urlpatterns = [
    path("api/", api.urls),
    path("staff/<slug:org>/api-tokens/", views.tokens, name="tokens"),
    path("staff/<slug:org>/api-tokens/<int:token_id>/revoke/", views.revoke, name="revoke"),
]
