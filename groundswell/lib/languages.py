"""Languages that content (campaigns, stories) may be written in.

Distinct from the UI languages in settings.LANGUAGES: an organisation may publish in
Swahili long before the interface is translated into it.
"""

from django.conf.locale import LANG_INFO

CONTENT_LANGUAGE_CODES = [
    "en", "fr", "es", "pt", "de", "it", "nl", "pl", "ar", "fa", "he", "ur",
    "hi", "bn", "ta", "te", "mr", "pa", "sw", "tr", "ru", "uk", "zh-hans", "ja", "ko",
]  # fmt: skip

CONTENT_LANGUAGES = [(code, LANG_INFO[code]["name_local"]) for code in CONTENT_LANGUAGE_CODES]
RTL_CODES = frozenset(code for code in CONTENT_LANGUAGE_CODES if LANG_INFO[code].get("bidi"))


def is_rtl(code: str) -> bool:
    return code in RTL_CODES
