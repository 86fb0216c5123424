"""Django's password-reset pages, answering a refused form with 400 like every other form.

Django shows the form again with its errors and a 200; R2 wants a 4xx for every refusal.
Only the status changes: the request form still refuses nothing but what is not an email
address, so a known and an unknown address get the same answer (the "check your email"
page), and nobody learns from it who has an account.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

REFUSED = 400


class PasswordResetView(auth_views.PasswordResetView):
    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = REFUSED
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        if request.method == "POST" and not self.validlink and response.status_code == 200:
            # A new password sent to a link that has expired or was used: refused, and the
            # page says so (with the way to ask for a new link). A link that is still good
            # redirects to the form, as Django does.
            response.status_code = REFUSED
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = REFUSED
        return response
