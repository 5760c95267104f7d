"""The state of a dashboard page, kept in its URL: range, grain and campaign or channel filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.utils import timezone

from accounts import view_state
from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, Channel
from kpis import display, periods, records, selectors

PAGE_SIZE = 50
# The query parameters DashboardState reads and writes back (its `params`).
READ_PARAMS = ("range", "from", "to", "grain", "compare", "campaign", "channel")
# What the figures are compared with (`compare` in the query string).
COMPARISONS = {"previous": "Previous period", "last_year": "Same period last year", "none": "No comparison"}
DEFAULT_COMPARISON = "previous"


def local_today(workspace: Workspace) -> date:
    return timezone.now().astimezone(workspace.tz).date()


@dataclass
class DashboardState:
    """Range, grain and campaign / channel filter, read from and written to the query string."""

    preset: str
    period: periods.Period
    grain: str
    campaign: Campaign | None = None
    channel: str | None = None
    errors: list[str] = field(default_factory=list)
    compare: str = DEFAULT_COMPARISON

    @classmethod
    def from_request(cls, request, workspace: Workspace, params=None) -> DashboardState:
        """The state in `params` (default: the request's query string)."""
        params = request.GET if params is None else params
        preset, period, grain, errors = periods.parse_range(params, local_today(workspace))
        state = cls(preset, period, grain, errors=errors, compare=parse_compare(params, errors))
        campaign_id = params.get("campaign") or ""
        channel = params.get("channel") or ""
        if campaign_id:
            with workspace_scope(workspace):
                state.campaign = records.campaign_by_external_id(external_id=campaign_id)
            if state.campaign is None:
                state.errors.append("No such campaign in this workspace: showing every campaign.")
        elif channel:
            if channel in Channel.values:
                state.channel = channel
            else:
                state.errors.append(f"Unknown channel “{channel}”: showing every channel.")
        return state

    @property
    def narrowed(self) -> bool:
        return self.campaign is not None or self.channel is not None

    @property
    def scope(self) -> dict:
        return {"campaign": self.campaign, "channel": self.channel}

    def params(self, **overrides) -> dict[str, str]:
        params = {"range": self.preset}
        if self.preset == "custom":
            params.update({"from": self.period.first.isoformat(), "to": self.period.last.isoformat()})
        params["grain"] = self.grain
        if self.compare != DEFAULT_COMPARISON:
            params["compare"] = self.compare
        if self.campaign is not None:
            params["campaign"] = self.campaign.external_id
        elif self.channel:
            params["channel"] = self.channel
        params.update({k: v for k, v in overrides.items() if v is not None})
        return {k: v for k, v in params.items() if v != ""}

    def query(self, **overrides) -> str:
        return urlencode(self.params(**overrides))

    @property
    def unscoped_query(self) -> str:
        """The same range and grain over every campaign (the filter's "clear" link)."""
        return self.query(campaign="", channel="")

    def range_query(self) -> str:
        """The period only, as dates (for the API and record lists)."""
        params = {"from": self.period.first.isoformat(), "to": self.period.last.isoformat()}
        if self.campaign is not None:
            params["campaign"] = self.campaign.external_id
        elif self.channel:
            params["channel"] = self.channel
        return urlencode(params)

    @property
    def comparison_period(self) -> periods.Period | None:
        """The period the figures are compared with: the one just before, the same days last year, or none."""
        if self.compare == "last_year":
            return self.period.last_year()
        if self.compare == "none":
            return None
        return self.period.previous()

    @property
    def comparison_label(self) -> str:
        """What a change is measured against, in words: "previous 30 days", "same period last year"."""
        if self.compare == "last_year":
            return "same period last year"
        if self.compare == "none":
            return ""
        days = self.period.days
        return f"previous {days} days" if days > 1 else "previous day"

    @property
    def scope_label(self) -> str:
        if self.campaign is not None:
            return f"Campaign: {self.campaign.name}"
        if self.channel:
            return f"Channel: {display.channel_label(self.channel)}"
        return "All campaigns"


def parse_compare(params, errors: list[str]) -> str:
    """The `compare` choice; an unknown one falls back to the previous period with a message."""
    compare = params.get("compare") or DEFAULT_COMPARISON
    if compare not in COMPARISONS:
        errors.append(f"Unknown comparison “{compare}”: comparing with the previous period.")
        return DEFAULT_COMPARISON
    return compare


class DashboardStateMixin:
    """Reads the state once; puts it, the pickers' choices and the currency in the context."""

    def dispatch_state(self):
        """The URL's state, or the person's last choice when the URL has none; remembered, and carried by links."""
        params = view_state.page_params(self.request, self.workspace.pk)
        self.state = DashboardState.from_request(self.request, self.workspace, params)
        # A state parameter the state does not read itself still travels with the rest.
        unread = tuple(name for name in view_state.STATE_PARAMS if name not in READ_PARAMS)
        shown = {**view_state.state_of(params, unread), **self.state.params()}
        view_state.remember(self.request, shown, self.workspace.pk)
        self.request.view_state = shown
        return self.state

    def state_context(self, *, campaigns=True) -> dict:
        state = self.state
        context = {
            "state": state,
            "period": state.period,
            "previous_period": state.period.previous(),
            "last_year_period": state.period.last_year(),
            "comparison_period": state.comparison_period,
            "comparisons": COMPARISONS,
            "presets": periods.PRESETS,
            "grains": periods.GRAINS,
            "channels": Channel.choices,
            "currency": self.workspace.currency,
            "kpis_as_of": selectors.kpis_as_of(workspace=self.workspace),
        }
        if campaigns:
            with workspace_scope(self.workspace):
                context["campaign_choices"] = records.campaign_choices()
        return context

    def comparison_values(self, metrics, *, campaign=None, channel=None) -> dict:
        """The figures of the comparison period (`metrics`, the same narrowing); {} when comparing with nothing."""
        period = self.state.comparison_period
        if period is None:
            return {}
        return selectors.kpis_for_period(
            workspace=self.workspace,
            first_day=period.first,
            last_day=period.last,
            campaign=campaign,
            channel=channel,
            metrics=metrics,
        )


def query_without(request, *names: str) -> str:
    """The current query string without `names`, ready for another parameter to be appended."""
    params = request.GET.copy()
    for name in (*names, "export"):
        params.pop(name, None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""
