import pytest

from groundswell.accounts.models import Organisation
from groundswell.safety.guard import Allowlist, Finding, scan
from groundswell.safety.models import PublicFigure


def kinds(
    text: str, *, organisation: Organisation | None = None, allowlist: Allowlist | None = None
) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in scan(text, organisation=organisation, allowlist=allowlist)]


@pytest.mark.parametrize(
    "text, number",
    [
        ("Ring her on 07700 900123 after six.", "07700 900123"),
        ("His landline is 020 7946 0018.", "020 7946 0018"),
        ("Call +44 7700 900999 to complain.", "+44 7700 900999"),
        ("Her number: +91 98765 43210.", "+91 98765 43210"),
        ("मेरा नंबर 98765 43210 है", "98765 43210"),
        ("US cousin on +1 202-555-0143.", "+1 202-555-0143"),
        ("Text 0044 7700 900 456 now", "0044 7700 900 456"),
    ],
)
def test_it_flags_phone_numbers_of_each_plan(text: str, number: str) -> None:
    assert kinds(text) == [("phone", number)]


def test_it_flags_a_well_formed_number_that_is_not_allocated_and_says_so() -> None:
    # 01632 960xxx is Ofcom's drama range: possible, never valid.
    (finding,) = scan("Leave a message on 01632 960983.")
    assert (finding.kind, finding.text) == ("phone", "01632 960983")
    assert "not one in use" in finding.reason
    (valid,) = scan("Leave a message on 020 7946 0018.")
    assert "not one in use" not in valid.reason


@pytest.mark.parametrize(
    "text",
    [
        "Registered charity number 1098765.",
        "We raised £12,500 in 2024 and 2025.",
        "Company no. 08123456, reference 44556677.",
        "The meeting is on 12/03/2026 at 18:30.",
    ],
)
def test_it_leaves_figures_that_are_not_phone_numbers(text: str) -> None:
    assert kinds(text) == []


def test_it_flags_personal_email_addresses_but_not_role_or_own_addresses() -> None:
    own = Allowlist(domains=frozenset({"riverwatch.example"}))
    text = (
        "Write to jo.bloggs83@mail.example, to press@council.example, "
        "to info@riverwatch.example or to sam@riverwatch.example."
    )
    assert kinds(text, allowlist=own) == [("email", "jo.bloggs83@mail.example")]


def test_findings_carry_offsets_into_the_text() -> None:
    text = "Email a.person@mail.example or ring 07700 900123."
    findings = scan(text)
    assert [f.kind for f in findings] == ["email", "phone"]
    for finding in findings:
        assert isinstance(finding, Finding)
        assert text[finding.start : finding.end] == finding.text
        assert finding.reason


@pytest.mark.django_db
def test_the_organisation_website_domain_is_its_own(org: Organisation) -> None:
    org.website = "https://www.riverwatch.example/about"
    org.save(update_fields=["website"])
    assert kinds("Mail pat@riverwatch.example", organisation=org) == []
    assert kinds("Mail pat@elsewhere.example", organisation=org) == [
        ("email", "pat@elsewhere.example")
    ]


@pytest.mark.django_db
def test_public_figure_names_are_unique_per_organisation_whatever_the_case(
    org: Organisation,
) -> None:
    from django.db import IntegrityError, transaction

    PublicFigure.objects.create(organisation=org, name="Jo Bloggs")
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicFigure.objects.create(organisation=org, name="jo bloggs")
    assert PublicFigure.objects.for_organisation(org).count() == 1
