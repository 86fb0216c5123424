"""A map of published reports drawn on the server as SVG, from their GeoJSON.

No tile server is reachable, and none is needed to say where things happened: each
blurred cell is drawn as the square it is (so nobody reads more precision into a dot than
there is), with a dot sized by how many reports share it, over a graticule labelled in
degrees. The projection is equirectangular with longitude scaled by the cosine of the
middle latitude, which keeps shapes honest over the few degrees an organisation covers.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WIDTH, HEIGHT, MARGIN = 640, 400, 28
MIN_SPAN = 0.1  # degrees: a single cell still gets some surroundings


def _step(span: float) -> float:
    """A round graticule step giving three to eight lines across `span` degrees."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 45, 90):
        if span / step <= 8:
            return step
    return 90


def _label(value: float, positive: str, negative: str) -> str:
    hemisphere = positive if value >= 0 else negative
    return f"{abs(value):.{_decimals(value)}f}°{hemisphere}"


def _decimals(value: float) -> int:
    text = f"{abs(value):.2f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def draw(collection: dict[str, Any], *, title: str) -> str:
    """The SVG document for a FeatureCollection of Points with `grid_degrees` properties."""
    cells: Counter[tuple[float, float, float]] = Counter()
    for feature in collection.get("features", []):
        lon, lat = feature["geometry"]["coordinates"]
        cells[(lat, lon, float(feature["properties"].get("grid_degrees") or 0.01))] += 1
    total = sum(cells.values())
    description = ngettext(
        "%(n)d published report, each place blurred to a grid square.",
        "%(n)d published reports, each place blurred to a grid square.",
        total,
    ) % {"n": total}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="map-title map-desc" font-family="sans-serif" '
        f'font-size="11">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(description)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f7f6"/>',
    ]
    if not cells:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#333">'
            f"{escape(_('No published reports yet.'))}</text></svg>"
        )
        return "".join(parts)
    south = min(lat - g / 2 for lat, _lon, g in cells)
    north = max(lat + g / 2 for lat, _lon, g in cells)
    west = min(lon - g / 2 for _lat, lon, g in cells)
    east = max(lon + g / 2 for _lat, lon, g in cells)
    middle = (south + north) / 2
    squash = max(math.cos(math.radians(middle)), 0.05)
    # Pad to at least MIN_SPAN, then to the drawing's shape, keeping the cells centred.
    span_lat = max(north - south, MIN_SPAN) * 1.15
    span_lon = max(east - west, MIN_SPAN) * 1.15
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    scale = min(inner_w / (span_lon * squash), inner_h / span_lat)
    centre_lon, centre_lat = (west + east) / 2, middle

    def x(lon: float) -> float:
        return WIDTH / 2 + (lon - centre_lon) * squash * scale

    def y(lat: float) -> float:
        return HEIGHT / 2 - (lat - centre_lat) * scale

    view_west, view_east = (
        centre_lon - inner_w / 2 / squash / scale,
        centre_lon + inner_w / 2 / squash / scale,
    )
    view_south, view_north = centre_lat - inner_h / 2 / scale, centre_lat + inner_h / 2 / scale
    parts.append('<g stroke="#c5d0cc" stroke-width="1">')
    labels = []
    step = _step(view_east - view_west)
    value = math.ceil(view_west / step) * step
    while value <= view_east:
        parts.append(
            f'<line x1="{x(value):.1f}" y1="{MARGIN}" x2="{x(value):.1f}" y2="{HEIGHT - MARGIN}"/>'
        )
        labels.append(
            f'<text x="{x(value):.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
            f"{_label(value, 'E', 'W')}</text>"
        )
        value += step
    step = _step(view_north - view_south)
    value = math.ceil(view_south / step) * step
    while value <= view_north:
        parts.append(
            f'<line x1="{MARGIN}" y1="{y(value):.1f}" x2="{WIDTH - MARGIN}" y2="{y(value):.1f}"/>'
        )
        labels.append(f'<text x="4" y="{y(value) - 3:.1f}">{_label(value, "N", "S")}</text>')
        value += step
    parts.append("</g>")
    parts.append('<g fill="#333">' + "".join(labels) + "</g>")
    largest = max(cells.values())
    for (lat, lon, g), count in sorted(cells.items()):
        left, top = x(lon - g / 2), y(lat + g / 2)
        size_w, size_h = max(x(lon + g / 2) - left, 2), max(y(lat - g / 2) - top, 2)
        radius = 4 + 8 * math.sqrt(count / largest)
        tooltip = ngettext("%(n)d report here", "%(n)d reports here", count) % {"n": count}
        parts.append(
            f"<g><title>{escape(tooltip)}</title>"
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{size_w:.1f}" height="{size_h:.1f}" '
            f'fill="#0b6e4f" fill-opacity="0.18" stroke="#0b6e4f"/>'
            f'<circle cx="{x(lon):.1f}" cy="{y(lat):.1f}" r="{radius:.1f}" fill="#0b6e4f"/>'
            f'<text x="{x(lon):.1f}" y="{y(lat) + 4:.1f}" text-anchor="middle" fill="#fff" '
            f'font-weight="bold">{count}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
