"""`{% sign_guard form %}`: the sign form's quiet defences, written into the form.

The signed render stamp and the hidden field go into every sign form; the proof-of-work
challenge and its script only while staff ask for it (Petition.challenge). They are part of
the page copy that lib/pagecache.py shares for a second, which is why the browser adds its
own nonce to the challenge (lib/proofofwork.py).
"""

from __future__ import annotations

from typing import Any

from django import template

from groundswell.lib import formtiming, proofofwork

from ..forms import SignForm

register = template.Library()


@register.inclusion_tag("actions/sign_guard.html")
def sign_guard(form: SignForm) -> dict[str, Any]:
    # A form shown again with its errors keeps the stamp it was first shown with, so the
    # time counts from the first sight of it, not from the correction.
    posted = form.data.get("shown") if form.is_bound else None
    return {
        "shown": posted if isinstance(posted, str) and posted else formtiming.stamp(),
        "honeypot": form["website"],
        "challenge": proofofwork.new_challenge() if form.petition.challenge else "",
    }
