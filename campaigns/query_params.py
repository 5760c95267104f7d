"""Query parameters an API view does not know are refused, not ignored.

An ignored parameter is a silent wrong answer: `GET /api/v1/leads/?campaign=x`
(leads are filtered by `source_campaign`) would list every lead. Shared by the
ingestion lists and the KPI API.
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings


def always_accepted() -> set[str]:
    """Read by DRF itself on every view: `?format=json` picks the renderer."""
    return {api_settings.URL_FORMAT_OVERRIDE} - {None}


def reject_unknown(params: Iterable[str], known: Iterable[str]) -> None:
    """A 400 naming each unknown parameter and listing the known ones."""
    accepted = set(known) | always_accepted()
    unknown = sorted(set(params) - accepted)
    if unknown:
        listed = ", ".join(sorted(accepted))
        raise ValidationError(
            {name: [f"Unknown parameter “{name}”. Known parameters: {listed}."] for name in unknown},
            code="unknown_parameter",
        )
