"""How much data a generated workspace holds: named scales from `tiny` (tests) to `large` (the bench)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scale:
    campaigns: int
    accounts: int
    leads: int
    deals: int
    touchpoints: int
    days: int

    def longer(self, factor: int) -> Scale:
        """`factor` times the history at the same daily volume (the bench's freshness against history)."""
        return replace(self.times(factor), campaigns=self.campaigns * factor, days=self.days * factor)

    def times(self, factor: int) -> Scale:
        """The same history with `factor` times the volume (the bench's scaling figures)."""
        return replace(
            self,
            campaigns=self.campaigns * factor,
            accounts=self.accounts * factor,
            leads=self.leads * factor,
            deals=self.deals * factor,
            touchpoints=self.touchpoints * factor,
        )


_MEDIUM = Scale(campaigns=200, accounts=50_000, leads=300_000, deals=30_000, touchpoints=3_000_000, days=730)
SCALES: dict[str, Scale] = {
    "tiny": Scale(campaigns=12, accounts=30, leads=120, deals=15, touchpoints=1_500, days=60),
    "demo": Scale(campaigns=15, accounts=300, leads=2_000, deals=200, touchpoints=40_000, days=183),
    "small": Scale(campaigns=20, accounts=2_000, leads=10_000, deals=1_000, touchpoints=100_000, days=183),
    "medium": _MEDIUM,
    "large": _MEDIUM.times(4),
}
