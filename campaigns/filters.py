"""Query-string filters of the API lists; references are filtered by external_id."""

from __future__ import annotations

from datetime import UTC, datetime

from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import get_view_model
from rest_framework.exceptions import ValidationError

from campaigns.models import (
    Account,
    Campaign,
    Channel,
    Deal,
    DealStatus,
    EmailStat,
    Lead,
    SeoStat,
    SocialStat,
    SpendEntry,
    Touchpoint,
    TouchpointKind,
    WebStat,
)


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend; the views always name their `filterset_class`."""


class FilterBackendSchema(DjangoFilterExtension):
    """Documents the filters from the view's filterset_class alone: the stock extension
    asks the model's default manager for a queryset, which needs a workspace in scope."""

    target_class = "campaigns.filters.FilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        model = get_view_model(auto_schema.view)
        filterset_class = auto_schema.view.filterset_class
        parameters = []
        for name, filter_field in filterset_class.base_filters.items():
            parameters += self.resolve_filter_field(auto_schema, model, filterset_class, name, filter_field)
        return parameters


class SinceFilter(filters.IsoDateTimeFilter):
    """Converted to UTC first: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                value = (datetime.min if value.year < 2000 else datetime.max).replace(tzinfo=UTC)
        return super().filter(qs, value)


def _updated_since() -> SinceFilter:
    return SinceFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Only objects changed at or after this time (ISO 8601)."
    )


class ReferenceFilter(filters.CharFilter):
    """Rows referring to one object, by its external_id (`referenced`; `model` is the filtered one).

    An external_id unknown in the key's workspace is a 400 that names it, as
    in a POST, rather than an empty page: a typo says so, and another
    workspace's object is as unknown as a missing one.
    """

    def __init__(self, *, param: str, model: type, what: str, **kwargs) -> None:
        super().__init__(field_name=f"{param}__external_id", help_text=f"The external_id of the {what}.", **kwargs)
        self.param, self.referenced, self.what = param, model, what

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if not self.referenced.objects.filter(external_id=value).exists():  # scoped to the key's workspace
            raise ValidationError(
                {
                    self.param: [
                        f"Unknown {self.what} “{value}”: no {self.what} with this external_id in this workspace."
                    ]
                }
            )
        return super().filter(qs, value)


def _reference(field: str, what: str) -> ReferenceFilter:
    model = {"campaign": Campaign, "source_campaign": Campaign, "account": Account, "lead": Lead}[field]
    return ReferenceFilter(param=field, model=model, what=what)


def _on_or_after(field: str, what: str) -> filters.DateFilter:
    return filters.DateFilter(
        field_name=field, lookup_expr="gte", help_text=f"{what} on or after this local date (YYYY-MM-DD)."
    )


def _on_or_before(field: str, what: str) -> filters.DateFilter:
    return filters.DateFilter(
        field_name=field, lookup_expr="lte", help_text=f"{what} on or before this local date (YYYY-MM-DD)."
    )


class CampaignFilter(filters.FilterSet):
    updated_since = _updated_since()
    channel = filters.ChoiceFilter(choices=Channel.choices)
    is_abm = filters.BooleanFilter()

    class Meta:
        model = Campaign
        fields = ["updated_since", "channel", "is_abm"]


class SpendFilter(filters.FilterSet):
    updated_since = _updated_since()
    campaign = _reference("campaign", "campaign")
    date_from = _on_or_after("date", "Spend")
    date_to = _on_or_before("date", "Spend")

    class Meta:
        model = SpendEntry
        fields = ["updated_since", "campaign", "date_from", "date_to"]


class AccountFilter(filters.FilterSet):
    updated_since = _updated_since()
    is_target = filters.BooleanFilter(help_text="On the ABM target list.")
    domain = filters.CharFilter()

    class Meta:
        model = Account
        fields = ["updated_since", "is_target", "domain"]


class LeadFilter(filters.FilterSet):
    updated_since = _updated_since()
    account = _reference("account", "account")
    source_campaign = _reference("source_campaign", "source campaign")
    created_from = _on_or_after("created_on", "Created")
    created_to = _on_or_before("created_on", "Created")

    class Meta:
        model = Lead
        fields = ["updated_since", "account", "source_campaign", "created_from", "created_to"]


class DealFilter(filters.FilterSet):
    updated_since = _updated_since()
    status = filters.ChoiceFilter(choices=DealStatus.choices)
    account = _reference("account", "account")
    source_campaign = _reference("source_campaign", "source campaign")
    created_from = _on_or_after("created_on", "Created")
    created_to = _on_or_before("created_on", "Created")
    closed_from = _on_or_after("closed_on", "Closed")
    closed_to = _on_or_before("closed_on", "Closed")

    class Meta:
        model = Deal
        fields = [
            "updated_since",
            "status",
            "account",
            "source_campaign",
            "created_from",
            "created_to",
            "closed_from",
            "closed_to",
        ]


class TouchpointFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=TouchpointKind.choices)
    campaign = _reference("campaign", "campaign")
    lead = _reference("lead", "lead")
    account = _reference("account", "account (set on the touchpoint itself)")
    occurred_from = _on_or_after("occurred_on", "Occurred")
    occurred_to = _on_or_before("occurred_on", "Occurred")

    class Meta:
        model = Touchpoint
        fields = ["kind", "campaign", "lead", "account", "occurred_from", "occurred_to"]


def _stat_filter(model: type, *, by_campaign: bool = True) -> type[filters.FilterSet]:
    """The filters of a daily stats list: changed since, campaign (if it has one), dates."""
    attributes = {
        "updated_since": _updated_since(),
        "date_from": _on_or_after("date", "Days"),
        "date_to": _on_or_before("date", "Days"),
    }
    if by_campaign:
        attributes["campaign"] = _reference("campaign", "campaign")
    meta = type("Meta", (), {"model": model, "fields": list(attributes)})
    return type(f"{model.__name__}Filter", (filters.FilterSet,), {**attributes, "Meta": meta, "__module__": __name__})


EmailStatFilter = _stat_filter(EmailStat)
WebStatFilter = _stat_filter(WebStat)
SocialStatFilter = _stat_filter(SocialStat)
SeoStatFilter = _stat_filter(SeoStat, by_campaign=False)
