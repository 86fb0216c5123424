"""Country choices (ISO 3166-1 alpha-2) with names in the reader's language where known."""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.utils.translation import get_language


@lru_cache(maxsize=16)
def country_choices(language: str = "en") -> list[tuple[str, str]]:
    try:
        translation: gettext.NullTranslations = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[language.split("-")[0]]
        )
    except OSError:
        translation = gettext.NullTranslations()
    choices = [(c.alpha_2, translation.gettext(c.name)) for c in pycountry.countries]
    return sorted(choices, key=lambda item: item[1])


def current_country_choices() -> list[tuple[str, str]]:
    return country_choices(get_language() or "en")


COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries)
