"""The words a volunteer agrees to, one immutable ConsentWording per text and organisation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from groundswell.supporters.models import ConsentWording


def text_for(organisation_name: str) -> str:
    return _(
        "%(organisation)s may keep my name, email address, phone number and what I bring, "
        "to arrange this volunteering and to email me about my shift. Its privacy notice "
        "says for how long."
    ) % {"organisation": organisation_name}


def wording_for(organisation: Any) -> ConsentWording:
    text = text_for(organisation.name)
    found = ConsentWording.objects.filter(organisation=organisation, text=text).first()
    return found or ConsentWording.objects.create(organisation=organisation, text=text)
