from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groundswell.accounts.models import Membership, Organisation
from groundswell.actions.models import Petition, Signature
from groundswell.events.models import Attendance
from groundswell.events.tests.conftest import make_event
from groundswell.lib import bulk
from groundswell.lib.bulk import prepare_insert
from groundswell.supporters.models import Supporter


def test_a_prepared_insert_touches_the_database_only_when_it_runs(org: Organisation) -> None:
    people = [
        Supporter(organisation=org, email=f"p{n}@example.net", email_key=f"p{n}@example.net")
        for n in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        insert = prepare_insert(Supporter, people, returning=["id", "email_key"])
    assert len(queries) == 0  # built before any write transaction, so no lock is held
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = insert.execute()
    assert len(queries) == 1
    stored = {s.email_key: s for s in Supporter.objects.filter(organisation=org)}
    assert {key: pk for pk, key in rows} == {key: s.pk for key, s in stored.items()}
    # The same defaults and auto_now values as bulk_create would give.
    assert all(s.created_at is not None and s.public_leaderboard is False for s in stored.values())
    assert all(not person._state.adding for person in people)


def test_rows_beyond_the_databases_parameter_limit_go_in_several_statements(
    org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)
    people = [
        Supporter(organisation=org, email=f"q{n}@example.net", email_key=f"q{n}@example.net")
        for n in range(5)
    ]
    insert = prepare_insert(Supporter, people, returning=["id", "email_key"])
    assert len(insert.statements) == 3
    with transaction.atomic():
        rows = insert.execute()
    assert sorted(key for _pk, key in rows) == sorted(p.email_key for p in people)
    assert Supporter.objects.filter(organisation=org).count() == 5


def _signature_rows(petition: Petition) -> tuple[list[Supporter], list[Signature]]:
    people = Supporter.objects.bulk_create(
        Supporter(organisation=petition.organisation, email=f"r{n}@example.net", email_key=f"r{n}")
        for n in range(4)
    )
    signatures = [
        Signature(
            petition=petition,
            supporter=person,
            comment=["", "Zoë's “reason”", "line one\nline two" if n else "", "9"][n],
            wording=petition.consent_wording,
            wants_updates=bool(n % 2),
            referred_by_id=people[0].pk if n else None,
            referrer_data={"source": "whatsapp", "url": "https://example.net/?a=1&b=ü"}
            if n
            else {},
            confirmation_sends=n,
            last_sent_at=timezone.now() if n % 2 else None,
            confirmed_at=timezone.now() - timedelta(days=n),
        )
        for n, person in enumerate(people)
    ]
    return people, signatures


def test_the_plain_statement_carries_the_values_djangos_compiler_would(
    petition: Petition, monkeypatch: pytest.MonkeyPatch
) -> None:
    _people, signatures = _signature_rows(petition)
    ours = prepare_insert(Signature, signatures)
    monkeypatch.setattr(bulk, "_plain_fields", lambda model: None)
    djangos = prepare_insert(Signature, signatures)
    # auto_now values are taken anew each time; everything else is the same, value for value.
    moment = {f.attname for f in Signature._meta.concrete_fields if getattr(f, "auto_now", False)}
    moment |= {
        f.attname for f in Signature._meta.concrete_fields if getattr(f, "auto_now_add", False)
    }
    columns = [f.attname for f in Signature._meta.concrete_fields if f.attname != "id"]
    assert len(ours.statements) == len(djangos.statements) == 1

    def comparable(params: tuple[object, ...]) -> list[object]:
        return [
            getattr(value, "obj", value)  # psycopg's Jsonb wrapper compares by identity
            for index, value in enumerate(params)
            if columns[index % len(columns)] not in moment
        ]

    theirs = djangos.statements[0][1]
    if all(isinstance(column, list) for column in theirs):
        # PostgreSQL: Django sends a column at a time, for UNNEST; ours go a row at a time.
        theirs = tuple(value for row in zip(*theirs, strict=True) for value in row)
    assert comparable(ours.statements[0][1]) == comparable(theirs)
    assert len(ours.statements[0][1]) == len(columns) * len(signatures)


def test_rows_written_by_the_plain_statement_read_back_as_they_were_made(
    petition: Petition,
) -> None:
    _people, signatures = _signature_rows(petition)
    with transaction.atomic():
        prepare_insert(Signature, signatures).execute()
    stored = {s.supporter_id: s for s in Signature.objects.filter(petition=petition)}
    assert len(stored) == len(signatures)
    for made in signatures:
        row = stored[made.supporter_id]
        for field in ("comment", "wants_updates", "referred_by_id", "referrer_data",
                      "confirmation_sends", "last_sent_at", "confirmed_at", "state"):  # fmt: skip
            assert getattr(row, field) == getattr(made, field), field
        assert row.created_at is not None and row.updated_at is not None


def test_a_row_that_breaks_the_named_constraint_is_skipped_and_any_other_clash_still_fails(
    owner: Membership,
) -> None:
    event = make_event(owner)

    def answer(email: str, **fields: str) -> Attendance:
        return Attendance(
            organisation_id=event.organisation_id, event=event, email=email, email_key=email,
            **fields,
        )  # fmt: skip

    first = answer("ana@example.net")
    with transaction.atomic():
        prepare_insert(Attendance, [first]).execute()
    repeat, fresh = answer("ana@example.net"), answer("ben@example.net")
    with transaction.atomic():
        rows = prepare_insert(
            Attendance, [repeat, fresh], returning=["token"], conflict=["event", "email_key"]
        ).execute()
    assert rows == [(fresh.token,)]  # the repeat is skipped and returns nothing
    assert Attendance.objects.filter(event=event).count() == 2
    # A clash on another unique column is not what `conflict` names: it fails as before.
    twin = answer("cat@example.net", share_token=first.share_token)
    with pytest.raises(IntegrityError), transaction.atomic():
        prepare_insert(Attendance, [twin], conflict=["event", "email_key"]).execute()
    assert Attendance.objects.filter(event=event).count() == 2


def test_on_conflict_is_refused_for_a_model_that_is_not_plain(
    org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "_plain_fields", lambda model: None)
    person = Supporter(organisation=org, email="p@example.net", email_key="p@example.net")
    with pytest.raises(NotImplementedError):
        prepare_insert(Supporter, [person], conflict=["organisation", "email_key"])
