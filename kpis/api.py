"""The KPI API (README, API; /api/schema/): thin views over `kpis.selectors`.

Query parameters are validated by input serializers: a bad one is a 400 that
names it, `{"<parameter>": ["message"]}`. A campaign is looked up inside the
key's workspace only, so another workspace's campaign is "unknown", exactly
as a missing one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.authentication import WorkspaceAPIMixin
from campaigns.models import Campaign, Channel
from campaigns.openapi import AutoSchema
from campaigns.query_params import reject_unknown
from kpis import forecasts, periods, records, selectors
from kpis.catalog import KPIS, Kind
from kpis.formulas import ATTRIBUTION_MODELS

MAX_RANGE_YEARS = 5


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def render_metric(name: str, value: object) -> object:
    """Money as a string with 2 decimals, counts as integers, rates and days as floats, null."""
    if value is None:
        return None
    kind = KPIS[name].kind
    if kind.is_money:
        return f"{Decimal(value):.2f}"
    if kind == Kind.COUNT:
        return int(value)
    return float(value)


# Input serializers: the query parameters.

SUPPORTED = f"Between {periods.FIRST_DAY.isoformat()} and {periods.LAST_DAY.isoformat()}."


class SupportedDateField(serializers.DateField):
    """A date the KPIs can be read for (periods.FIRST_DAY..LAST_DAY, the years ingestion accepts)."""

    def to_internal_value(self, value) -> date:
        day = super().to_internal_value(value)
        if not periods.supported_day(day):
            raise serializers.ValidationError(f"{periods.DATES_MESSAGE}.", code="out_of_range")
        return day


class PeriodQuerySerializer(serializers.Serializer):
    from_ = SupportedDateField(
        help_text=f"First date of the period (YYYY-MM-DD), in the workspace's time zone. {SUPPORTED}"
    )
    to = SupportedDateField(help_text=f"Last date of the period, inclusive. {SUPPORTED}")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        first, last = attrs["from"], attrs["to"]
        if first > last:
            raise serializers.ValidationError({"to": [f"“to” ({last}) is before “from” ({first})."]})
        if last >= _years_later(first, MAX_RANGE_YEARS):
            raise serializers.ValidationError({"to": [f"The range may span at most {MAX_RANGE_YEARS} years."]})
        return attrs


class ScopedPeriodQuerySerializer(PeriodQuerySerializer):
    campaign = serializers.CharField(required=False, help_text="Narrow to one campaign (its external_id).")
    channel = serializers.ChoiceField(choices=Channel.values, required=False, help_text="Narrow to one channel.")

    def validate_campaign(self, value: str) -> Campaign:
        campaign = records.campaign_by_external_id(external_id=value)  # the key's workspace only
        if campaign is None:
            raise serializers.ValidationError(f"Unknown campaign “{value}”.")
        return campaign

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "campaign" in attrs and "channel" in attrs:
            raise serializers.ValidationError({"channel": ["Give either campaign or channel, not both."]})
        return attrs


class TimeseriesQuerySerializer(ScopedPeriodQuerySerializer):
    metric = serializers.ChoiceField(choices=(), help_text="A KPI name (docs/kpis.md).")
    grain = serializers.ChoiceField(choices=list(selectors.GRAINS), help_text="day, week (from Monday) or month.")

    def get_fields(self):
        fields = super().get_fields()
        fields["metric"].choices = KPIS.names  # read when asked: the catalogue may grow (KPI_CATALOGUE_EXTRA)
        return fields


class AttributionQuerySerializer(PeriodQuerySerializer):
    model = serializers.ChoiceField(choices=list(ATTRIBUTION_MODELS), help_text="The attribution model.")


class ForecastQuerySerializer(serializers.Serializer):
    kpi = serializers.ChoiceField(
        choices=list(forecasts.FORECAST_KPIS),
        help_text="The KPI to forecast: leads, mqls, deals_created (pipeline created), won_revenue or mrr.",
    )
    horizon = serializers.ChoiceField(
        choices=list(forecasts.HORIZONS), help_text="To the end of the current month or quarter."
    )


class WholeNumberField(serializers.Field):
    """A whole number in bounds, digits only (as `page_size` of the lists: "1.5" or "٣" is refused, not rounded)."""

    def __init__(self, *, maximum: int, **kwargs) -> None:
        self.maximum = maximum
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> int:
        raw = str(data)
        digits = len(str(self.maximum))  # checked before int(): 5,000 digits would be slow to parse
        if not (raw.isascii() and raw.isdigit() and len(raw) <= digits and 1 <= int(raw) <= self.maximum):
            raise serializers.ValidationError(f"A whole number from 1 to {self.maximum}.", code="invalid")
        return int(raw)

    def to_representation(self, value) -> int:
        return value


MAX_PAGE_SIZE = 1000
MAX_PAGE = 10**6


class TopPagesQuerySerializer(ScopedPeriodQuerySerializer):
    page = WholeNumberField(maximum=MAX_PAGE, required=False, default=1, help_text="Page of rows, from 1.")
    page_size = WholeNumberField(
        maximum=MAX_PAGE_SIZE, required=False, default=100, help_text=f"Rows per page, 1 to {MAX_PAGE_SIZE}."
    )


class AccountsQuerySerializer(serializers.Serializer):
    at = SupportedDateField(
        help_text=f"Scores at the end of this date (YYYY-MM-DD), in the workspace's time zone. {SUPPORTED}"
    )


# Output serializers: for the schema (the views render plain dicts).


def _metric_field(name: str) -> serializers.Field:
    kind = KPIS[name].kind
    if kind.is_money:
        return serializers.CharField(allow_null=True, help_text="Money, 2 decimals.")
    if kind == Kind.COUNT:
        return serializers.IntegerField(allow_null=True)
    return serializers.FloatField(allow_null=True)


class KpiMetricsSerializer(serializers.Serializer):
    """Every KPI of the catalogue, by name."""

    def get_fields(self):
        return {name: _metric_field(name) for name in KPIS}


class RangeResponseSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class KpisResponseSerializer(RangeResponseSerializer):
    workspace = serializers.CharField(help_text="The workspace's slug.")
    currency = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True, help_text="When the rollups were last computed.")
    metrics = KpiMetricsSerializer()
    approximate = serializers.ListField(
        child=serializers.CharField(),
        help_text="The KPIs of `metrics` whose values are upper bounds, not exact counts: those built on distinct "
        "visitors, whenever web stats (daily users summed over days) contribute to the period; else empty.",
    )


class TimeseriesPointSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    value = serializers.JSONField(allow_null=True, help_text="As in /kpis/: money string, integer, number or null.")


class TimeseriesResponseSerializer(RangeResponseSerializer):
    metric = serializers.CharField()
    grain = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True)
    points = TimeseriesPointSerializer(many=True)
    approximate = serializers.ListField(
        child=serializers.CharField(),
        help_text="[metric] when some point's value is an upper bound (web stats contribute, as in /kpis/), else [].",
    )


class AttributionRowSerializer(serializers.Serializer):
    campaign = serializers.CharField(help_text='The campaign\'s external_id, or "unattributed".')
    revenue = serializers.CharField(help_text="Attributed won revenue, 2 decimals.")
    deals = serializers.FloatField(help_text="Sum of credit.")


class AttributionResponseSerializer(RangeResponseSerializer):
    model = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True)
    rows = AttributionRowSerializer(many=True)


class TopPageSerializer(serializers.Serializer):
    url = serializers.CharField(
        help_text="The page: scheme, host and path, without query string or fragment (docs/kpis.md)."
    )
    page_views = serializers.IntegerField(help_text="Page views of the period's sessions on this page.")
    entries = serializers.IntegerField(help_text="Sessions of the period whose first page view is on this page.")
    exits = serializers.IntegerField(help_text="Sessions of the period whose last page view is on this page.")
    exit_rate = serializers.FloatField(allow_null=True, help_text="exits ÷ page_views; null without page views.")


class TopPagesResponseSerializer(RangeResponseSerializer):
    as_of = serializers.DateTimeField(allow_null=True)
    count = serializers.IntegerField(help_text="How many pages the period has, over every page of rows.")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.URLField(allow_null=True, help_text="The next page of rows, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page of rows, or null.")
    rows = TopPageSerializer(many=True, help_text="Sorted by page views, most first, then by URL.")


class AccountScoreSerializer(serializers.Serializer):
    account = serializers.CharField(help_text="The account's external_id.")
    score = serializers.FloatField()
    is_mqa = serializers.BooleanField()


class AccountsResponseSerializer(serializers.Serializer):
    at = serializers.DateField()
    as_of = serializers.DateTimeField(allow_null=True)
    rows = AccountScoreSerializer(many=True)


class ForecastDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.JSONField(help_text="The day's forecast (MRR: its balance at the end of the day).")
    low = serializers.JSONField()
    high = serializers.JSONField()


class ForecastResponseSerializer(RangeResponseSerializer):
    kpi = serializers.CharField()
    horizon = serializers.CharField()
    today = serializers.DateField(help_text="The first forecast day, in the workspace's time zone.")
    as_of = serializers.DateTimeField(allow_null=True)
    model = serializers.CharField(help_text='The model used, e.g. "Holt-Winters, weekly".')
    history_days = serializers.IntegerField(help_text="Days of history the model was fitted on.")
    interval = serializers.FloatField(help_text="The interval's coverage: 0.8.")
    actual_to_date = serializers.JSONField(help_text="From `from` to yesterday (MRR: its balance yesterday).")
    value = serializers.JSONField(
        allow_null=True, help_text="The forecast at `to`: total of the period (MRR: its level); null without history."
    )
    low = serializers.JSONField(allow_null=True, help_text="The 80 % interval's lower bound.")
    high = serializers.JSONField(allow_null=True, help_text="The 80 % interval's upper bound.")
    daily = ForecastDaySerializer(many=True)


def _parameters(serializer_class) -> list[OpenApiParameter]:
    parameters = []
    for name, field in serializer_class().get_fields().items():
        kind = OpenApiTypes.DATE if isinstance(field, serializers.DateField) else OpenApiTypes.STR
        enum = list(field.choices) if isinstance(field, serializers.ChoiceField) else None
        if isinstance(field, WholeNumberField):
            kind = {"type": "integer", "minimum": 1, "maximum": field.maximum, "default": field.default}
        parameters.append(
            OpenApiParameter(
                name, kind, OpenApiParameter.QUERY, required=field.required, enum=enum, description=field.help_text
            )
        )
    return parameters


BAD_PARAMETERS = OpenApiResponse(
    OpenApiTypes.OBJECT, description='A bad parameter: `{"<parameter>": ["what is wrong"]}`.'
)


class KpiQuerySchema(AutoSchema):
    """The query parameters from the view's query serializer, read when the schema is generated."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *_parameters(self.view.query_serializer)]


class KpiView(WorkspaceAPIMixin, APIView):
    query_serializer: type[serializers.Serializer]
    schema = KpiQuerySchema()

    def params(self, request) -> dict:
        serializer = self.query_serializer(data=request.query_params)
        reject_unknown(request.query_params, serializer.fields)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def as_of(self):
        return selectors.kpis_as_of(workspace=self.workspace)


class KpisView(KpiView):
    """Every KPI of docs/kpis.md over a period, for the workspace, a campaign or a channel."""

    query_serializer = ScopedPeriodQuerySerializer

    @extend_schema(
        operation_id="kpis_retrieve",
        tags=["kpis"],
        responses={200: KpisResponseSerializer, 400: BAD_PARAMETERS},
    )
    def get(self, request):
        p = self.params(request)
        values = selectors.kpis_for_period(
            workspace=self.workspace,
            first_day=p["from"],
            last_day=p["to"],
            campaign=p.get("campaign"),
            channel=p.get("channel"),
        )
        return Response(
            {
                "workspace": self.workspace.slug,
                "from": p["from"],
                "to": p["to"],
                "currency": self.workspace.currency,
                "as_of": self.as_of(),
                "metrics": {name: render_metric(name, value) for name, value in values.items()},
                "approximate": list(values.approximate),
            }
        )


class TimeseriesView(KpiView):
    """One KPI per day, week (from Monday) or month, each period clipped to from..to."""

    query_serializer = TimeseriesQuerySerializer

    @extend_schema(
        operation_id="kpis_timeseries",
        tags=["kpis"],
        responses={200: TimeseriesResponseSerializer, 400: BAD_PARAMETERS},
    )
    def get(self, request):
        p = self.params(request)
        metric = p["metric"]
        points = selectors.kpi_timeseries(
            workspace=self.workspace,
            metric=metric,
            first_day=p["from"],
            last_day=p["to"],
            grain=p["grain"],
            campaign=p.get("campaign"),
            channel=p.get("channel"),
        )
        return Response(
            {
                "metric": metric,
                "grain": p["grain"],
                "from": p["from"],
                "to": p["to"],
                "as_of": self.as_of(),
                "points": [
                    {"period_start": point["period_start"], "value": render_metric(metric, point["value"])}
                    for point in points
                ],
                "approximate": [metric] if any(point["approximate"] for point in points) else [],
            }
        )


def render_forecast(name: str, value: float | None) -> object:
    """As `render_metric`, a count rounded to a whole number (a forecast is a real number)."""
    if value is None:
        return None
    return render_metric(name, forecasts.as_money(value) if KPIS[name].kind.is_money else round(value))


class ForecastView(KpiView):
    """The KPI's forecast to the end of the current month or quarter, with its 80 % interval (README, Forecasts)."""

    query_serializer = ForecastQuerySerializer

    @extend_schema(
        operation_id="kpis_forecast",
        tags=["kpis"],
        responses={200: ForecastResponseSerializer, 400: BAD_PARAMETERS},
    )
    def get(self, request):
        p = self.params(request)
        kpi = p["kpi"]
        answer = forecasts.forecast_kpi(
            workspace=self.workspace, kpi=kpi, horizon=p["horizon"], today=forecasts.local_today(self.workspace)
        )

        def out(value):
            return render_forecast(kpi, value)

        return Response(
            {
                "kpi": kpi,
                "horizon": answer.horizon,
                "from": answer.period.first,
                "to": answer.period.last,
                "today": answer.today,
                "as_of": self.as_of(),
                "model": answer.model,
                "history_days": answer.history_days,
                "interval": answer.level,
                "actual_to_date": out(answer.actual_to_date),
                "value": out(answer.value),
                "low": out(answer.low),
                "high": out(answer.high),
                "daily": [
                    {"date": day, "value": out(value), "low": out(low), "high": out(high)}
                    for day, value, low, high in answer.daily
                ],
            }
        )


class AttributionView(KpiView):
    """Won revenue of the period credited to campaigns by one of the five models (workspace-wide)."""

    query_serializer = AttributionQuerySerializer

    @extend_schema(
        operation_id="kpis_attribution",
        tags=["kpis"],
        responses={200: AttributionResponseSerializer, 400: BAD_PARAMETERS},
    )
    def get(self, request):
        p = self.params(request)
        rows = selectors.attribution_for_period(
            workspace=self.workspace, first_day=p["from"], last_day=p["to"], model=p["model"]
        )
        return Response(
            {
                "model": p["model"],
                "from": p["from"],
                "to": p["to"],
                "as_of": self.as_of(),
                "rows": [
                    {"campaign": row["campaign"], "revenue": f"{row['revenue']:.2f}", "deals": row["deals"]}
                    for row in rows
                ],
            }
        )


class TopPagesView(KpiView):
    """Pages of the period by page views, with their entries, exits and exit rate (docs/kpis.md, top pages)."""

    query_serializer = TopPagesQuerySerializer

    @extend_schema(
        operation_id="kpis_pages",
        tags=["kpis"],
        responses={200: TopPagesResponseSerializer, 400: BAD_PARAMETERS},
    )
    def get(self, request):
        p = self.params(request)
        page, size = p["page"], p["page_size"]
        count, rows = selectors.top_pages(
            workspace=self.workspace,
            first_day=p["from"],
            last_day=p["to"],
            campaign=p.get("campaign"),
            channel=p.get("channel"),
            offset=(page - 1) * size,
            limit=size,
        )
        here = request.build_absolute_uri()
        return Response(
            {
                "from": p["from"],
                "to": p["to"],
                "as_of": self.as_of(),
                "count": count,
                "page": page,
                "page_size": size,
                "next": replace_query_param(here, "page", page + 1) if page * size < count else None,
                "previous": replace_query_param(here, "page", page - 1) if page > 1 else None,
                "rows": [
                    {
                        "url": row.url,
                        "page_views": row.page_views,
                        "entries": row.entries,
                        "exits": row.exits,
                        "exit_rate": row.exit_rate,
                    }
                    for row in rows
                ],
            }
        )


class AccountScoresView(KpiView):
    """Engagement score and MQA flag of every target account at the end of a date."""

    query_serializer = AccountsQuerySerializer

    @extend_schema(
        operation_id="kpis_accounts",
        tags=["kpis"],
        responses={200: AccountsResponseSerializer, 400: BAD_PARAMETERS},
    )
    def get(self, request):
        p = self.params(request)
        rows = selectors.account_scores(workspace=self.workspace, at=p["at"])
        return Response({"at": p["at"], "as_of": self.as_of(), "rows": rows})
