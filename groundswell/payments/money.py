"""Amounts: stored in minor units (pence, paise, cents), shown in major ones."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# ISO 4217 codes we offer, and the few without a minor unit.
CURRENCIES = (
    "GBP", "EUR", "USD", "INR", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "ZAR",
    "KES", "NGN", "BRL", "MXN", "JPY",
)  # fmt: skip
ZERO_DECIMAL = frozenset({"JPY"})
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "INR": "₹", "JPY": "¥"}
MAX_MAJOR = 100_000


def exponent(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL else 2


def display(minor: int, currency: str) -> str:
    """10050, "GBP" → "£100.50"; 1000, "GBP" → "£10"; 500, "JPY" → "¥500"."""
    digits = exponent(currency)
    major = Decimal(minor).scaleb(-digits)
    text = f"{major:,.{digits}f}"
    if digits and text.endswith("." + "0" * digits):
        text = text[: -digits - 1]
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def plain(minor: int, currency: str) -> str:
    """10050 → "100.50", 1000 → "10": what a person would type."""
    digits = exponent(currency)
    text = f"{Decimal(minor).scaleb(-digits):.{digits}f}"
    return text[: -digits - 1] if digits and text.endswith("." + "0" * digits) else text


def plain_two(minor: int, currency: str) -> str:
    """10000 → "100.00": always the minor digits (HMRC's schedule asks two decimals)."""
    digits = exponent(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def parse(typed: str, currency: str) -> int | None:
    """What a person typed ("10", "£10.50", "1,000") in minor units, or None."""
    cleaned = typed.strip().replace(",", "").replace(" ", "")
    cleaned = cleaned.removeprefix(SYMBOLS.get(currency, "\0"))
    if not cleaned or len(cleaned) > 12:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0:
        return None
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        return None
    return int(minor.to_integral_value())


def minimum(currency: str) -> int:
    """The least a gift may be: one unit (1.00) of most currencies, 100 yen."""
    return 100


def maximum(currency: str) -> int:
    return MAX_MAJOR * (1 if currency in ZERO_DECIMAL else 100)
