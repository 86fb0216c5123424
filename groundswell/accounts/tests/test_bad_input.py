import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts import forms
from groundswell.accounts.models import Invitation, Membership, Organisation, User


def test_a_double_submitted_invitation_sign_up_gets_a_clear_answer(
    client: Client, alice: User, org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(alice)
    client.post(
        reverse("accounts:members", args=[org.slug]),
        {"email": "dave@example.org", "role": "editor"},
    )
    found = re.search(r"https?://[^/\s]+(/\S+)", str(mail.outbox[0].body))
    assert found
    url = found.group(1)
    client.logout()
    checked = forms.SignupForm.is_valid

    def other_request_lands_first(form: forms.SignupForm) -> bool:
        # The first of the two POSTs commits its account while the second validates.
        if not User.objects.filter(email="dave@example.org").exists():
            dave = testing.make_user("dave@example.org", "Dave")
            Membership.objects.create(user=dave, organisation=org, role="editor")
            Invitation.objects.update(accepted_by=dave, accepted_at="2026-01-01T00:00:00Z")
        return checked(form)

    monkeypatch.setattr(forms.SignupForm, "is_valid", other_request_lands_first)
    data = {"name": "Dave", "password1": testing.PASSWORD, "password2": testing.PASSWORD}
    response = client.post(url, data)
    assert response.status_code == 409
    assert "has just been used to create the account" in response.content.decode()
    assert User.objects.filter(email="dave@example.org").count() == 1
    assert Membership.objects.get(user__email="dave@example.org").role == "editor"
