"""The bulk invalidation form: a criterion, a scope, a reason, then a preview to confirm."""

from __future__ import annotations

import ipaddress
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation
from groundswell.actions.models import Petition, Signature
from groundswell.lib.addresses import network_range
from groundswell.lib.emails import email_domain, normalise_email
from groundswell.supporters.models import Supporter

from .criteria import Choice
from .models import Criterion

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# The widest ranges a batch may name: wider would sweep up whole providers.
WIDEST = {4: 8, 6: 32}
STORED = {4: 24, 6: 64}


class InvalidationForm(forms.Form):
    criterion = forms.ChoiceField(
        label=_("Invalidate signatures by"),
        choices=Criterion.choices,
        error_messages={"required": _("Choose how to pick the signatures.")},
    )
    petition = forms.ModelChoiceField(
        label=_("Petition"),
        queryset=Petition.objects.none(),
        required=False,
        empty_label=_("All petitions"),
        help_text=_("A referral branch needs its petition."),
    )
    network = forms.CharField(
        label=_("Network range"),
        max_length=49,
        required=False,
        help_text=_("Like 203.0.113.0/24 or 2001:db8:1:2::/64, or wider. For a network range."),
    )
    domain = forms.CharField(
        label=_("Email domain"),
        max_length=253,
        required=False,
        help_text=_("Like example.org. For an email domain."),
    )
    email = forms.CharField(
        label=_("Email address of the supporter at the top of the branch"),
        max_length=254,
        required=False,
        help_text=_("Their signature and everyone below it in the petition's referral tree."),
    )
    since = forms.DateTimeField(
        label=_("Signed from"),
        required=False,
        widget=WHEN,
        help_text=_("UTC. Needed for a time window; narrows any other choice."),
    )
    until = forms.DateTimeField(
        label=_("Signed before"),
        required=False,
        widget=WHEN,
        help_text=_("UTC. Needed for a time window; narrows any other choice."),
    )
    reason = forms.CharField(
        label=_("Why are these signatures not genuine?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept with the batch for the staff who may invalidate. Supporters never see it."
        ),
        error_messages={"required": _("Give the reason for invalidating them.")},
    )
    # The count staff saw on the preview they confirm (absent on a first preview).
    previewed = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        petition = self.fields["petition"]
        assert isinstance(petition, forms.ModelChoiceField)
        petition.queryset = Petition.objects.for_organisation(organisation).order_by("title")

    def clean_network(self) -> str:
        text = self.cleaned_data.get("network", "").strip()
        if not text:
            return ""
        try:
            if "/" not in text:
                return network_range(ipaddress.ip_address(text))
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise forms.ValidationError(
                _("Enter a network range like 203.0.113.0/24, or an address in it.")
            ) from None
        if network.prefixlen > STORED[network.version]:
            raise forms.ValidationError(
                _(
                    "Signatures keep only their /24 (IPv4) or /64 (IPv6): give that range "
                    "or a wider one."
                )
            )
        if network.prefixlen < WIDEST[network.version]:
            raise forms.ValidationError(
                _("That range is too wide: give at most a /8 (IPv4) or a /32 (IPv6).")
            )
        return str(network)

    def clean_domain(self) -> str:
        text = self.cleaned_data.get("domain", "").strip().lstrip("@")
        if not text:
            return ""
        domain = email_domain(f"x@{text}")
        if not domain or "." not in domain:
            raise forms.ValidationError(_("Enter a domain like example.org."))
        return domain

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        criterion = data.get("criterion")
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            self.add_error("until", _("Give a moment after the start of the window."))
        missing = {Criterion.NETWORK: _("Enter the network range."),
                   Criterion.DOMAIN: _("Enter the email domain.")}  # fmt: skip
        for needed, message in missing.items():
            name = str(needed)
            if criterion == needed and not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        if criterion == Criterion.WINDOW:
            if not since and "since" not in self.errors:
                self.add_error("since", _("Enter when the window starts."))
            if not until and "until" not in self.errors:
                self.add_error("until", _("Enter when the window ends."))
        if criterion == Criterion.BRANCH:
            self._clean_branch(data)
        return data

    def _clean_branch(self, data: dict[str, Any]) -> None:
        petition = data.get("petition")
        if petition is None and "petition" not in self.errors:
            self.add_error("petition", _("Choose the petition whose referral tree it is."))
        raw = data.get("email", "").strip()
        if not raw:
            self.add_error("email", _("Enter the email address of the supporter at the top."))
            return
        try:
            key = normalise_email(raw)
        except (ValueError, forms.ValidationError):
            self.add_error("email", _("Enter an email address, like name@example.org."))
            return
        root = Supporter.objects.filter(organisation=self.organisation, email_key=key).first()
        signed = (
            root is not None
            and petition is not None
            and Signature.objects.filter(petition=petition, supporter=root).exists()
        )
        if petition is not None and not signed:
            self.add_error("email", _("Nobody with this address signed that petition."))
            return
        data["root"] = root

    def choice(self) -> Choice:
        data = self.cleaned_data
        criterion = data["criterion"]
        return Choice(
            criterion=criterion,
            petition=data.get("petition"),
            network=data["network"] if criterion == Criterion.NETWORK else "",
            domain=data["domain"] if criterion == Criterion.DOMAIN else "",
            since=data.get("since"),
            until=data.get("until"),
            root=data.get("root") if criterion == Criterion.BRANCH else None,
        )


class AlertEmailForm(forms.Form):
    wanted = forms.BooleanField(required=False)
