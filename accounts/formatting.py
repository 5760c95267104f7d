"""The number locale a workspace's figures are written in (grouping, decimal mark, currency placement).

Set for a request by the workspace views (`number_locale`), read by the
formatting of `kpis.display`; outside any workspace it is en_US.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from babel import Locale

DEFAULT_LOCALE = "en_US"
# The conventions agencies' clients most often report in: CLDR locale codes.
NUMBER_LOCALES = (
    "en_US",
    "en_GB",
    "en_IN",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "nl_NL",
    "pt_BR",
    "sv_SE",
    "da_DK",
    "nb_NO",
    "fi_FI",
    "pl_PL",
    "ja_JP",
)

_current: ContextVar[str] = ContextVar("number_locale", default=DEFAULT_LOCALE)


def locale_choices() -> list[tuple[str, str]]:
    """(code, "English (United States) — 1,234,567.89") for each supported locale."""
    from babel.numbers import format_decimal

    return [
        (code, f"{Locale.parse(code).display_name} — {format_decimal(1234567.89, locale=code)}")
        for code in NUMBER_LOCALES
    ]


def current_locale() -> str:
    return _current.get()


@contextmanager
def number_locale(code: str) -> Iterator[None]:
    token = _current.set(code or DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)
