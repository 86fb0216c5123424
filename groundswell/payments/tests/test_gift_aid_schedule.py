"""The Gift Aid claim as HMRC's .ods schedule, read back as a spreadsheet program reads it."""

from __future__ import annotations

import zipfile
from datetime import date
from io import BytesIO
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.payments import giftaid, ods
from groundswell.payments.models import Appeal, Donation, Payment

from .standin import Standin
from .test_gift_aid import give, paid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_account")]

Grid = dict[tuple[int, int], tuple[str, str, str]]  # (row, column) from 1: type, value, text


def read_ods(data: bytes) -> tuple[str, Grid]:
    """The sheet's name and its non-empty cells, after checking the package's shape."""
    archive = zipfile.ZipFile(BytesIO(data))
    first = archive.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert archive.read("mimetype") == ods.MIMETYPE.encode()
    assert data[30:38] == b"mimetype"  # the name right after the first local header
    manifest = ET.fromstring(archive.read("META-INF/manifest.xml"))
    paths = {entry.get(ods.q("manifest:full-path")) for entry in manifest}
    assert paths == {"/", "content.xml", "meta.xml"}
    assert set(archive.namelist()) == {"mimetype", "META-INF/manifest.xml", "meta.xml",
                                       "content.xml"}  # fmt: skip
    content = ET.fromstring(archive.read("content.xml"))
    tables = content.findall(f".//{ods.q('table:table')}")
    assert len(tables) == 1
    grid: Grid = {}
    row_number = 0
    for row in tables[0].findall(ods.q("table:table-row")):
        row_number += 1
        column = 0
        for cell in row.findall(ods.q("table:table-cell")):
            column += 1
            kind = cell.get(ods.q("office:value-type"), "")
            if not kind:
                continue
            value = (
                cell.get(ods.q("office:date-value"))
                or cell.get(ods.q("office:value"))
                or "".join(cell.itertext())
            )
            grid[(row_number, column)] = (kind, value, "".join(cell.itertext()))
        row_number += int(row.get(ods.q("table:number-rows-repeated"), "1")) - 1
    return str(tables[0].get(ods.q("table:name"))), grid


def test_the_schedule_is_an_ods_in_hmrcs_layout_with_small_gifts_added_together(
    client: Client, gift_aid_appeal: Appeal, standin: Standin, alice: Any
) -> None:
    give(client, gift_aid_appeal)  # Harriet, £25
    give(client, gift_aid_appeal, email="sam@example.net", given_name="=SUM(1)")  # £10
    give(client, gift_aid_appeal, email="kit@example.net", given_name="Kit")  # £5
    give(client, gift_aid_appeal, email="rae@example.net", given_name="Rae")  # £20, refunded
    testing.run_periodic("open_checkouts")
    harriet, sam, kit, rae = Donation.objects.order_by("pk")
    paid(client, harriet, "pi_1", 2500)
    paid(client, sam, "pi_2", 1000)
    paid(client, kit, "pi_3", 500)
    paid(client, rae, "pi_4", 2000)
    testing.run_periodic("apply_payment_events")
    Payment.objects.filter(reference="pi_4").update(refunded=2000)
    today = timezone.localdate()
    client.force_login(alice)
    url = reverse("payments:staff_gift_aid", args=["alices"])
    page = client.get(url).content.decode()
    assert 'value="ods"' in page and 'value="csv"' in page
    answer = client.get(url, testing.date_parts("first", today) | testing.date_parts("last", today))
    assert answer.status_code == 200
    assert answer["Content-Type"] == ods.MIMETYPE
    assert answer["Content-Disposition"].endswith(f'{today:%Y%m%d}.ods"')
    sheet, grid = read_ods(answer.content)
    assert sheet == "R68GAD_V1_00_0_EN"
    assert grid[(12, 4)][2] == "Earliest donation date in the period of claim. (DD/MM/YY)"
    assert grid[(13, 4)] == ("date", today.isoformat(), f"{today:%d/%m/%y}")
    assert [grid[(23, column)][2] for column in range(2, 12)] == list(ods.HEADINGS)
    assert not any(row == 24 for row, _column in grid)

    def line(row: int) -> list[str]:
        return [grid[(row, column)][2] if (row, column) in grid else ""
                for column in range(2, 12)]  # fmt: skip

    shown = f"{today:%d/%m/%y}"
    assert line(25) == ["1", "Dr", "Harriet", "Smith Jones", "12", "BS7 8AB", "", "", shown,
                        "25.00"]  # fmt: skip
    # Sam's £10 and Kit's £5 on one line, without names; Rae's refunded gift left out.
    assert line(26) == ["2", "", "", "", "", "", "Aggregated donations", "", shown, "15.00"]
    assert (27, 2) not in grid
    assert grid[(25, 11)][:2] == ("float", "25.00") and grid[(25, 10)][0] == "date"
    # The CSV has the same lines.
    period = testing.date_parts("first", today) | testing.date_parts("last", today)
    csv_text = client.get(url, period | {"format": "csv"}).content.decode()
    assert f",,,,,Aggregated donations,,{shown},15.00" in csv_text


def test_a_formula_typed_as_a_name_is_a_text_cell_in_the_ods() -> None:
    line = giftaid.Line(day=date(2026, 12, 1), amount=2500, given_name="=HYPERLINK(1)")
    _sheet, grid = read_ods(ods.schedule([line], made=date(2026, 12, 7)))
    assert grid[(25, 4)] == ("string", "=HYPERLINK(1)", "=HYPERLINK(1)")
    assert b"formula" not in zipfile.ZipFile(BytesIO(ods.schedule([line], made=date(2026, 12, 7)))
                                             ).read("content.xml")  # fmt: skip


def test_small_gifts_of_a_day_fill_lines_of_at_most_a_thousand_pounds() -> None:
    lines = giftaid._together(date(2026, 12, 1), [2000] * 120)  # £2,400
    assert [line.amount for line in lines] == [100_000, 100_000, 40_000]
    assert {line.aggregated for line in lines} == {"Aggregated donations"}
    assert all(not line.given_name and not line.postcode for line in lines)


def test_a_period_over_the_schedules_lines_is_refused_with_a_clear_message(
    client: Client, gift_aid_appeal: Appeal, standin: Standin, alice: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    give(client, gift_aid_appeal)
    give(client, gift_aid_appeal, email="ann@example.net", given_name="Ann")
    testing.run_periodic("open_checkouts")
    for number, donation in enumerate(Donation.objects.order_by("pk")):
        paid(client, donation, f"pi_{number}", 2500)
    testing.run_periodic("apply_payment_events")
    monkeypatch.setattr(giftaid, "MAX_LINES", 1)
    today = timezone.localdate()
    client.force_login(alice)
    url = reverse("payments:staff_gift_aid", args=["alices"])
    answer = client.get(url, testing.date_parts("first", today) | testing.date_parts("last", today))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "These dates make 2 lines, and one HMRC schedule holds 1 at most" in html
    assert 'href="#id_last"' in html
    bad = client.get(
        url,
        testing.date_parts("first", today) | testing.date_parts("last", today) | {"format": "x"},
    )
    assert bad.status_code == 400
