"""Fictional reports from the ground for the demo (hub/demo.py calls this).

The places are around 0° N 0° E, in the open sea south of Ghana ("Null Island"), so no
real street is named or shown; the areas are as made up as the organisation.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from groundswell.lib.images import process_image
from groundswell.moderation.services import approve

from . import services
from .models import FieldReport

AREAS = [
    ("Eastbank estate (fictional)", Decimal("0.0130"), Decimal("0.0340")),
    ("Mill Lane (fictional)", Decimal("0.0410"), Decimal("0.0180")),
]
REPORTS = [
    # title, body, latitude, longitude, stage, contact name
    ("Damp running down a stairwell wall",
     "Block C, second floor: the wall is wet after every rain. Three flats share it.",
     Decimal("0.01234"), Decimal("0.03456"), "published", ""),
    ("Heating off for a week",
     "Several neighbours say the boilers in the low-rise blocks have been off since Monday.",
     Decimal("0.02712"), Decimal("0.05121"), "published", ""),
    ("Broken window boarded with cardboard",
     "A ground-floor window was broken a month ago and is still covered with cardboard.",
     Decimal("0.04166"), Decimal("0.01833"), "verified", ""),
    ("Mould in a child's bedroom",
     "Black mould behind the wardrobe; the family has asked the landlord twice.",
     Decimal("0.01511"), Decimal("0.03902"), "new", "Demo Reporter"),
]  # fmt: skip


def seed_reports(owner: Any, campaign: Any, picture: Any) -> None:
    services.save_setup(owner, cell=Decimal("0.01"), areas=AREAS)
    for index, (title, body, latitude, longitude, stage, name) in enumerate(REPORTS):
        photo = process_image(picture(300 + index, title), name="photo") if index == 0 else None
        report = services.take_report(
            campaign,
            services.ReportRequest(
                title=title,
                body=body,
                latitude=latitude,
                longitude=longitude,
                photo=photo,
                photo_alt="An abstract picture standing in for a photo of a wet wall"
                if photo
                else "",
                language="en",
                name=name,
                email="demo.reporter@example.org" if name else "",
            ),
        )
        if stage == "new":
            continue
        services.submit_waiting()
        report = FieldReport.objects.select_related("moderation").get(pk=report.pk)
        assert report.moderation is not None
        approve(owner, report.moderation)
        services.review(owner, report, "verify")
        if stage == "published":
            services.review(owner, report, "publish")
