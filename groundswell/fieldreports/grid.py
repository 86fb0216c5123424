"""Blurring a place to a grid cell: the one thing a report keeps of where it happened.

The cell is the square of `grid` degrees that holds the point, and the report stores the
cell's centre, so two people a street apart in one cell share one point, and the map can
show the whole cell as the place. Decimal all the way: a float's 0.1 is not 0.1, and a
point on a cell's edge must fall in the same cell every time.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

LATITUDE = (Decimal(-90), Decimal(90))
LONGITUDE = (Decimal(-180), Decimal(180))


def _cell_centre(value: Decimal, grid: Decimal, low: Decimal, high: Decimal) -> Decimal:
    index = (value / grid).to_integral_value(rounding=ROUND_FLOOR)
    start = index * grid
    if start + grid > high:  # the top edge (90°, 180°) belongs to the cell below it
        start = high - grid
    start = max(start, low)
    return start + grid / 2


def blur(latitude: Decimal, longitude: Decimal, grid: Decimal) -> tuple[Decimal, Decimal]:
    """The centre of the `grid`-degree cell holding the point. A longitude of 180° is the
    same meridian as -180°, and goes with it."""
    if not (LATITUDE[0] <= latitude <= LATITUDE[1] and LONGITUDE[0] <= longitude <= LONGITUDE[1]):
        raise ValueError("a latitude is within ±90° and a longitude within ±180°")
    if longitude == LONGITUDE[1]:
        longitude = LONGITUDE[0]
    return (
        _cell_centre(latitude, grid, *LATITUDE).quantize(Decimal("0.0001")),
        _cell_centre(longitude, grid, *LONGITUDE).quantize(Decimal("0.0001")),
    )


def cell_bounds(
    latitude: Decimal, longitude: Decimal, grid: Decimal
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(south, west, north, east) of the cell whose centre is this stored point."""
    half = grid / 2
    return latitude - half, longitude - half, latitude + half, longitude + half
