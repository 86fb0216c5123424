"""What the public may read of reports, in every shape: GeoJSON, CSV and feed items.

Only published reports, and of them only the blurred cell (its centre and size), the words,
the campaign and the dates. Nothing here reads `ReporterContact`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.urls import reverse

from groundswell.accounts.models import Organisation
from groundswell.lib.csvcells import csv_cell

from .models import FieldReport

LIMIT = 1000
CSV_COLUMNS = (
    "id", "published_at", "campaign", "title", "body", "latitude", "longitude", "grid_degrees",
    "area", "language", "url",
)  # fmt: skip


def reports_of(organisation: Organisation, limit: int = LIMIT) -> list[FieldReport]:
    return list(FieldReport.objects.published().filter(organisation=organisation)[:limit])


def public_url(report: FieldReport) -> str:
    path = reverse("fieldreports:list", args=[report.organisation.slug])
    return f"{settings.SITE_URL}{path}#report-{report.pk}"


def feature(report: FieldReport) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": report.pk,
        # RFC 7946: longitude first. The centre of the blurred cell, never the place itself.
        "geometry": {
            "type": "Point",
            "coordinates": [float(report.longitude), float(report.latitude)],
        },
        "properties": {
            "title": report.title,
            "body": report.body,
            "campaign": report.campaign.title,
            "published_at": report.published_at.isoformat() if report.published_at else None,
            "grid_degrees": float(report.grid),
            "area": report.area_name,
            "language": report.language,
            "url": public_url(report),
        },
    }


def geojson(organisation: Organisation) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [feature(report) for report in reports_of(organisation)],
    }


def csv_text(organisation: Organisation) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for report in reports_of(organisation):
        writer.writerow(
            csv_cell(value)
            for value in (
                report.pk,
                report.published_at.isoformat() if report.published_at else "",
                report.campaign.title,
                report.title,
                report.body,
                report.latitude,
                report.longitude,
                report.grid,
                report.area_name,
                report.language,
                public_url(report),
            )
        )
    return out.getvalue()
