"""The instant generated test data end at.

Generated data are laid out backwards from "now". Tests that seed them either pass `until=SEEDED_NOW`
or run with the clock started there (the `fixed_clock` fixture), so the data, and the default ranges
read from them, are the same on every day the suite runs. It was chosen so that the tiny workspace's
last 30 days hold every kind of row (won deals, new customers, attributed revenue).
"""

from datetime import UTC, datetime

SEEDED_NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
