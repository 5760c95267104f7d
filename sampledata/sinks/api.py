"""Sink: JSON-ready objects in the shapes of the ingestion API, for the ingestion figure and the round-trip test.

The keys are the API's field names, not model columns: the ingestion API
refuses an unknown field, and tests/campaigns/test_generator.py sends a
generated workspace through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sampledata.clock import money_text
from sampledata.generation import WorkspaceGenerator

# The generator's tables are named as the API's resources (campaigns.resources.RESOURCES, whose
# names are the /api/v1/<name>/ paths; tests/campaigns/test_resources.py checks they stay the same),
# listed here in an order where every reference exists before it is named.
API_ORDER = ("campaigns", "accounts", "leads", "deals", "spend", "touchpoints")


class ApiRenderer:
    """The rows as JSON-ready objects of the ingestion API (/api/schema/): references by external_id, ISO
    timestamps with the workspace's offset, money as strings; absent optional values left out."""

    def __init__(self, generator: WorkspaceGenerator) -> None:
        self.generator = generator
        self.iso = generator.clock.iso_local
        self.day = generator.clock.date_text
        self.campaign_ids = [c[1] for c in generator._campaign_rows()]

    def _campaign(self, idx):
        return None if idx is None else self.campaign_ids[idx]

    @staticmethod
    def _account(idx):
        return None if idx is None else f"acc-{idx + 1:06d}"

    @staticmethod
    def _lead(idx):
        return None if idx is None else f"lead-{idx + 1:07d}"

    def _ts(self, value):
        return None if value is None else self.iso(value)

    def objects(self, table: str, rows: Iterable[tuple]) -> Iterator[dict]:
        for r in rows:
            if table == "campaigns":
                obj = {"external_id": r[1], "name": r[2], "channel": r[3], "is_abm": r[4],
                       "starts_on": self.day(r[5]), "ends_on": None if r[6] is None else self.day(r[6]),
                       "budget": None if r[7] is None else money_text(r[7])}  # fmt: skip
            elif table == "spend":
                obj = {"campaign": self.campaign_ids[r[0]], "date": self.day(r[1]), "cost": money_text(r[2]),
                       "impressions": r[3], "clicks": r[4]}  # fmt: skip
            elif table == "accounts":
                obj = {"external_id": r[1], "name": r[2], "domain": r[3], "industry": r[4], "employees": r[5],
                       "is_target": r[6]}  # fmt: skip
            elif table == "leads":
                obj = {"external_id": r[1], "email": r[2], "account": self._account(r[3]),
                       "source_campaign": self._campaign(r[4]), "created_at": self.iso(r[5]),
                       "mql_at": self._ts(r[6]), "sql_at": self._ts(r[7]), "sqo_at": self._ts(r[8])}  # fmt: skip
            elif table == "deals":
                obj = {"external_id": r[1], "account": self._account(r[2]), "lead": self._lead(r[3]),
                       "source_campaign": self._campaign(r[4]), "name": r[5], "amount": money_text(r[6]),
                       "mrr": money_text(r[7]), "status": r[8], "created_at": self.iso(r[9]),
                       "closed_at": self._ts(r[10]), "churned_at": self._ts(r[11])}  # fmt: skip
            elif table == "touchpoints":
                obj = {"external_id": r[8], "kind": r[0], "occurred_at": self.iso(r[1]),
                       "campaign": self._campaign(r[2]), "lead": self._lead(r[3]), "account": self._account(r[4]),
                       "visitor_id": r[5], "session_id": r[6], "url": r[7]}  # fmt: skip
            else:
                raise KeyError(table)
            yield {key: value for key, value in obj.items() if value is not None and value != ""}


def api_batches(
    generator: WorkspaceGenerator, *, batch_size: int = 1_000, tables: Iterable[str] = API_ORDER
) -> Iterator[tuple[str, list[dict]]]:
    """(resource, objects) batches of at most `batch_size`, in an order where every reference exists."""
    if batch_size > 1_000:
        raise ValueError("the API takes at most 1,000 objects per request")
    renderer = ApiRenderer(generator)
    streams = {"campaigns": generator.campaigns, "spend": generator.spend, "accounts": generator.accounts,
               "leads": generator.leads, "deals": generator.deals, "touchpoints": generator.touchpoints}  # fmt: skip
    for table in tables:
        batch: list[dict] = []
        for obj in renderer.objects(table, streams[table]()):
            batch.append(obj)
            if len(batch) >= batch_size:
                yield table, batch
                batch = []
        if batch:
            yield table, batch
