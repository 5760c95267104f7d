"""The narrowing of a KPI read: a campaign, a channel, or the whole workspace."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from accounts.tenancy import require_workspace
from campaigns.models import Campaign


@dataclass(frozen=True)
class Scope:
    campaign_id: int | None = None
    channel: str | None = None

    @property
    def narrowed(self) -> bool:
        return self.campaign_id is not None or self.channel is not None

    def sql(self, column: str) -> tuple[str, list]:
        """The same narrowing as an `AND …` clause on `column` with its parameters."""
        if self.campaign_id is not None:
            return f" AND {column} = %s", [self.campaign_id]
        if self.channel is not None:
            campaigns = f"SELECT id FROM {Campaign._meta.db_table} WHERE workspace_id = %s AND channel = %s"  # noqa: S608
            return f" AND {column} IN ({campaigns})", [require_workspace().pk, self.channel]
        return "", []

    def q(self, field: str) -> Q:
        """Rows whose campaign link `field` is in scope (rows without one drop out)."""
        if self.campaign_id is not None:
            return Q(**{field: self.campaign_id})
        if self.channel is not None:
            return Q(**{f"{field}__in": Campaign.objects.filter(channel=self.channel).values("id")})
        return Q()
