"""The staff pages: the queue and its bulk actions, one item with its history, held phrases."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.moderation import services
from groundswell.moderation.models import HeldPhrase, ModerationItem, ModerationState

QUEUE = "/staff/alices/moderation/"


def states(*items: ModerationItem) -> list[str]:
    return [ModerationItem.objects.get(pk=item.pk).state for item in items]


def test_the_queue_marks_what_the_guard_found_with_its_reason(
    client: Client, alice: User, submit: Callable[..., ModerationItem]
) -> None:
    submit("Ring <Dana> on 07700 900123")
    client.force_login(alice)
    html = client.get(QUEUE).content.decode()
    assert "Ring &lt;Dana&gt; on <mark>07700 900123</mark>" in html
    assert "A phone number" in html and "Held:" in html


def test_bulk_approve_and_reject_the_ticked_items(
    client: Client, alice: User, submit: Callable[..., ModerationItem]
) -> None:
    one, two, three = submit("One"), submit("Two"), submit("Three")
    client.force_login(alice)
    response = client.post(QUEUE, {"items": [one.pk, two.pk], "action": "approve"}, follow=True)
    assert "Approved 2 items." in response.content.decode()
    assert states(one, two, three) == ["approved", "approved", "pending"]
    response = client.post(
        QUEUE, {"items": [two.pk, three.pk], "action": "reject", "reason": "Off topic"}
    )
    assert response.status_code == 302
    assert states(one, two, three) == ["approved", "rejected", "rejected"]
    assert ModerationItem.objects.get(pk=three.pk).reason == "Off topic"
    assert AuditEntry.objects.filter(action="moderation.reject").count() == 2
    assert AuditEntry.objects.filter(action="moderation.approve").count() == 2


def test_a_bulk_approval_leaves_held_items_waiting(
    client: Client, alice: User, owner: Membership, submit: Callable[..., ModerationItem]
) -> None:
    services.hold_phrase(owner, "mill lane")
    clean = submit("See you there")
    phrase = submit("See you at Mill Lane")
    phone = submit("Ring 07700 900123")
    client.force_login(alice)
    html = client.get(QUEUE).content.decode()
    assert "See you at <mark>Mill Lane</mark>" in html
    assert "held phrase “mill lane”" in html
    response = client.post(
        QUEUE, {"items": [clean.pk, phrase.pk, phone.pk], "action": "approve"}, follow=True
    )
    assert "2 items are held" in response.content.decode()
    assert states(clean, phrase, phone) == ["approved", "pending", "pending"]
    # Opened and read, a held item can be approved on its own.
    assert client.post(f"{QUEUE}{phrase.pk}/approve/").status_code == 302
    assert states(phrase) == ["approved"]


def test_bulk_mistakes_get_the_error_summary_and_keep_the_ticks(
    client: Client, alice: User, charlie: User, submit: Callable[..., ModerationItem]
) -> None:
    one = submit("One")
    theirs = submit("Theirs", organisation=Organisation.objects.get(slug="charlies"))
    client.force_login(alice)
    nothing = client.post(QUEUE, {"action": "approve"})
    assert nothing.status_code == 400
    assert "Tick at least one item." in nothing.content.decode()
    no_reason = client.post(QUEUE, {"items": [one.pk], "action": "reject", "reason": " "})
    html = no_reason.content.decode()
    assert no_reason.status_code == 400
    assert "<title>Error:" in html and 'class="error-summary"' in html
    assert "Say why they are rejected" in html and 'href="#id_reason"' in html
    assert f'value="{one.pk}" checked' in html
    foreign = client.post(QUEUE, {"items": [one.pk, theirs.pk], "action": "approve"})
    assert foreign.status_code == 404  # as for one item of another organisation
    odd_id = client.post(QUEUE, {"items": ["first"], "action": "approve"})
    assert odd_id.status_code == 400
    assert "no longer in the queue" in odd_id.content.decode()
    odd = client.post(QUEUE, {"items": [one.pk], "action": "delete"})
    assert odd.status_code == 400
    assert states(one, theirs) == ["pending", "pending"]
    assert not AuditEntry.objects.filter(action__startswith="moderation.").exists()


def test_editors_and_analysts_read_the_queue_but_cannot_decide(
    client: Client,
    bob: User,
    with_role: Callable[[str], User],
    submit: Callable[..., ModerationItem],
) -> None:
    item = submit("Words")
    for user in (bob, with_role("analyst")):
        client.force_login(user)
        page = client.get(QUEUE)
        assert page.status_code == 200 and "Words" in page.content.decode()
        assert b'name="items"' not in page.content
        assert client.post(QUEUE, {"items": [item.pk], "action": "approve"}).status_code == 403
        assert client.post(f"{QUEUE}{item.pk}/approve/").status_code == 403
        assert client.post(f"{QUEUE}{item.pk}/reject/", {"reason": "x"}).status_code == 403
        assert client.post(f"{QUEUE}phrases/", {"phrase": "x"}).status_code == 403
    assert states(item) == ["pending"]
    client.force_login(with_role("safety_officer"))
    assert client.post(f"{QUEUE}{item.pk}/reject/", {"reason": "Spam"}).status_code == 302
    assert states(item) == ["rejected"]


def test_strangers_get_404_and_unknown_items_too(
    client: Client, alice: User, charlie: User, submit: Callable[..., ModerationItem]
) -> None:
    item = submit("Words")
    client.force_login(charlie)
    assert client.get(QUEUE).status_code == 404
    assert client.get(f"{QUEUE}{item.pk}/").status_code == 404
    assert client.post(f"/staff/charlies/moderation/{item.pk}/approve/").status_code == 404
    client.force_login(alice)
    assert client.post(f"{QUEUE}{item.pk + 99}/approve/").status_code == 404
    assert client.post(f"{QUEUE}{item.pk}/delete/").status_code == 404
    assert states(item) == ["pending"]


def test_the_item_page_shows_the_authors_history(
    client: Client,
    alice: User,
    owner: Membership,
    submit: Callable[..., ModerationItem],
) -> None:
    earlier = submit("My first go")
    services.reject(owner, earlier, "Spam link")
    also = submit("Second go")
    services.approve(owner, also)
    submit("Someone else entirely", author="https://other.example/users/yan")
    latest = submit("Third go")
    client.force_login(alice)
    html = client.get(f"{QUEUE}{latest.pk}/").content.decode()
    assert "My first go" in html and "Spam link" in html and "Second go" in html
    assert "Someone else entirely" not in html
    assert "Rejected: <strong>1</strong>" in html and "Approved: <strong>1</strong>" in html


def test_rejecting_one_item_without_a_reason_keeps_the_page_and_says_why(
    client: Client, alice: User, submit: Callable[..., ModerationItem]
) -> None:
    item = submit("Words")
    client.force_login(alice)
    response = client.post(f"{QUEUE}{item.pk}/reject/", {"reason": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in html and 'href="#id_reason"' in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    assert states(item) == ["pending"]


def test_held_phrases_are_added_once_and_released(
    client: Client, alice: User, with_role: Callable[[str], User]
) -> None:
    client.force_login(alice)
    assert client.post(f"{QUEUE}phrases/", {"phrase": "  Mill   Lane "}).status_code == 302
    again = client.post(f"{QUEUE}phrases/", {"phrase": "mill lane"})
    assert again.status_code == 400 and "already held" in again.content.decode()
    empty = client.post(f"{QUEUE}phrases/", {"phrase": ""})
    assert empty.status_code == 400 and "Enter a word or phrase" in empty.content.decode()
    [held] = HeldPhrase.objects.all()
    assert held.phrase == "Mill Lane"
    client.force_login(with_role("analyst"))
    assert client.post(f"{QUEUE}phrases/{held.pk}/release/").status_code == 403
    client.force_login(alice)
    assert client.post(f"{QUEUE}phrases/{held.pk}/release/").status_code == 302
    assert not HeldPhrase.objects.exists()
    assert list(
        AuditEntry.objects.filter(action__startswith="moderation.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["moderation.hold_phrase", "moderation.release_phrase"]


def test_the_queue_reads_in_a_fixed_number_of_queries(
    client: Client,
    alice: User,
    submit: Callable[..., ModerationItem],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    for n in range(3):
        submit(f"Item {n}")
    client.force_login(alice)
    client.get(QUEUE)
    with django_assert_max_num_queries(12) as few:  # type: ignore[attr-defined]
        client.get(QUEUE)
    for n in range(3, 20):
        submit(f"Item {n}", author=f"https://elsewhere.example/users/u{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[attr-defined]
        client.get(QUEUE)
    assert ModerationItem.objects.filter(state=ModerationState.PENDING).count() == 20
