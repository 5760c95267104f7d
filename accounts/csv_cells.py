"""The CSV writer every export uses: no text cell a spreadsheet would run as a formula.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read
by Excel, LibreOffice and Google Sheets as a formula (CSV or "formula"
injection: `=HYPERLINK(…)` leaking other cells, `+cmd|' /C calc'!A0` running a
program). As OWASP recommends, such text gets a leading single quote, which
the spreadsheet shows as text. Only text is touched: numbers are handed to the
writer as numbers (int, float, Decimal), so -12.50 stays -12.50; a caller that
formats a number must keep it a number (e.g. a Decimal), not a string.

It lives in `accounts`, the lowest app, so that the whole-workspace export
(`accounts.workspace_export`), the data lists (`campaigns.exports`) and the
dashboard tables and charts (`kpis`) share it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """`value`, with a leading quote if it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class SafeWriter:
    """`csv.writer` whose rows go through `neutralise` (None is written as an empty cell)."""

    def __init__(self, file: Any) -> None:
        self._writer = csv.writer(file)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(["" if value is None else neutralise(value) for value in row])
