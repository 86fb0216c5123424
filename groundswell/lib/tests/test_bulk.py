import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from groundswell.accounts.models import Organisation
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
