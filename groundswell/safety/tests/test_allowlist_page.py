"""The staff page of public figures: whom the guard leaves alone for an organisation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Organisation, Role, User
from groundswell.actions.tests.test_sign_page import Page
from groundswell.audit.models import AuditEntry
from groundswell.safety.guard import scan
from groundswell.safety.models import PublicFigure

TEXT = "Helen Marsh was accused of lying about the library cuts."


def page(org: Organisation) -> str:
    return reverse("safety:allowlist", args=[org.slug])


def test_a_safety_officer_adds_a_figure_and_the_guard_stops_flagging_them(
    client: Client, org: Organisation
) -> None:
    sami = testing.make_user("sami@example.org", "Sami Officer")
    testing.add_member(org, sami, Role.SAFETY_OFFICER)
    assert [f.text for f in scan(TEXT, organisation=org)] == ["Helen Marsh"]
    client.force_login(sami)
    response = client.post(
        page(org), {"name": "  Helen   Marsh ", "note": "Leader of the council"}, follow=True
    )
    assert response.status_code == 200
    assert "no longer flags Helen Marsh" in response.content.decode()
    figure = PublicFigure.objects.get(organisation=org)
    assert (figure.name, figure.note, figure.created_by) == (
        "Helen Marsh",
        "Leader of the council",
        sami,
    )
    assert scan(TEXT, organisation=org) == []
    entry = AuditEntry.objects.get(action="safety.allowlist_add")
    assert (entry.organisation, entry.actor, entry.target_id) == (org, sami, str(figure.pk))


def test_a_name_already_on_the_list_fails_the_govuk_way_and_keeps_what_was_typed(
    client: Client, alice: User, org: Organisation
) -> None:
    PublicFigure.objects.create(organisation=org, name="Helen Marsh")
    client.force_login(alice)
    response = client.post(page(org), {"name": "HELEN marsh", "note": "The leader"})
    assert response.status_code == 200
    html = response.content.decode()
    parsed = Page(html)
    assert parsed.title.startswith("Error: ")
    assert "#id_name" in parsed.links
    assert "is already on the list" in html
    assert 'value="HELEN marsh"' in html and 'value="The leader"' in html
    assert parsed.described["id_name"] == ["id_name_helptext", "id_name_error"]
    assert PublicFigure.objects.count() == 1


def test_a_name_without_letters_is_refused(client: Client, alice: User, org: Organisation) -> None:
    client.force_login(alice)
    response = client.post(page(org), {"name": "  12 ", "note": ""})
    assert "at least one letter" in response.content.decode()
    assert not PublicFigure.objects.exists()


def test_an_editor_reads_the_list_but_cannot_change_it(
    client: Client, bob: User, org: Organisation
) -> None:
    figure = PublicFigure.objects.create(organisation=org, name="Helen Marsh")
    client.force_login(bob)
    html = client.get(page(org)).content.decode()
    assert "Helen Marsh" in html and 'name="remove"' not in html
    assert client.post(page(org), {"name": "Jo Bloggs"}).status_code == 403
    assert client.post(page(org), {"remove": str(figure.pk)}).status_code == 403
    assert list(PublicFigure.objects.values_list("name", flat=True)) == ["Helen Marsh"]


def test_an_owner_removes_a_figure_and_the_guard_flags_them_again(
    client: Client, alice: User, org: Organisation
) -> None:
    figure = PublicFigure.objects.create(organisation=org, name="Helen Marsh")
    client.force_login(alice)
    response = client.post(page(org), {"remove": str(figure.pk)}, follow=True)
    assert "flags Helen Marsh again" in response.content.decode()
    assert not PublicFigure.objects.exists()
    assert AuditEntry.objects.filter(action="safety.allowlist_remove").count() == 1
    assert [f.text for f in scan(TEXT, organisation=org)] == ["Helen Marsh"]


def test_another_organisations_figure_or_a_bad_id_is_404(
    client: Client, alice: User, org: Organisation, charlie: User
) -> None:
    other = Organisation.objects.get(memberships__user=charlie)
    theirs = PublicFigure.objects.create(organisation=other, name="Omar Vale")
    client.force_login(alice)
    assert client.post(page(org), {"remove": str(theirs.pk)}).status_code == 404
    assert client.post(page(org), {"remove": "not-a-number"}).status_code == 404
    assert PublicFigure.objects.filter(pk=theirs.pk).exists()
    # And a stranger does not learn the page exists.
    client.force_login(charlie)
    assert client.get(page(org)).status_code == 404


@pytest.mark.parametrize("bad", ["²", "٣", "-1", "0", str(2**63), "1" * 40, " 1"])
def test_an_id_that_is_no_row_id_is_404_not_a_server_error(
    client: Client, alice: User, org: Organisation, bad: str
) -> None:
    figure = PublicFigure.objects.create(organisation=org, name="Helen Marsh")
    client.force_login(alice)
    assert client.post(page(org), {"remove": bad}).status_code == 404
    assert PublicFigure.objects.filter(pk=figure.pk).exists()


def test_a_one_word_entry_leaves_alone_only_that_word_as_a_whole_name(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    html = client.get(page(org)).content.decode()
    assert "never inside another name" in html
    client.post(page(org), {"name": "Kumar", "note": ""})
    assert PublicFigure.objects.filter(organisation=org, name="Kumar").exists()
    assert scan("Kumar was arrested for theft.", organisation=org) == []
    found = scan("Ramesh Kumar was arrested for theft.", organisation=org)
    assert [(f.kind, f.text) for f in found] == [("named_person", "Ramesh Kumar")]


def test_the_organisations_own_one_word_name_exempts_only_itself(
    org: Organisation,
) -> None:
    org.name = "Walsh"
    org.save()
    assert scan("Walsh was fined by the court.", organisation=org) == []
    found = scan("Darren Walsh was fined by the court.", organisation=org)
    assert [f.text for f in found] == ["Darren Walsh"]


def test_the_admin_shows_figures_but_changes_go_through_the_audited_page(
    client: Client, org: Organisation
) -> None:
    figure = PublicFigure.objects.create(organisation=org, name="Helen Marsh")
    root = User.objects.create_superuser("root@example.org", testing.PASSWORD, name="Root")
    client.force_login(root)
    listing = client.get(reverse("admin:safety_publicfigure_changelist"))
    assert listing.status_code == 200 and "Helen Marsh" in listing.content.decode()
    assert client.get(reverse("admin:safety_publicfigure_add")).status_code == 403
    change = reverse("admin:safety_publicfigure_change", args=[figure.pk])
    client.post(change, {"name": "Someone Else", "organisation": org.pk, "note": ""})
    delete = reverse("admin:safety_publicfigure_delete", args=[figure.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    figure.refresh_from_db()
    assert figure.name == "Helen Marsh"
