"""API shapes: output serializers, and input serializers that document the request bodies.

Incoming batches are validated by campaigns.validation (fast, plain code); the
input serializers here mirror those rules so that the OpenAPI schema describes
them, and are not used to validate.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
from campaigns.validation import MAX_BIGINT, MAX_INT

MONEY_PATTERN = r"^\d{1,14}(\.\d{1,2})?$"


def money_output(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True, read_only=True, **kwargs)


def reference_output(source: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(source=f"{source}.external_id", read_only=True, allow_null=True, **kwargs)


# Outputs: references as external_ids, money as strings with 2 decimals.


class CampaignSerializer(serializers.ModelSerializer):
    budget = money_output(allow_null=True)

    class Meta:
        model = Campaign
        fields = ["external_id", "name", "channel", "is_abm", "starts_on", "ends_on", "budget", "updated_at"]
        read_only_fields = fields


class SpendEntrySerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.external_id", read_only=True)
    cost = money_output()

    class Meta:
        model = SpendEntry
        fields = ["campaign", "date", "cost", "impressions", "clicks", "updated_at"]
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["external_id", "name", "domain", "industry", "employees", "is_target", "updated_at"]
        read_only_fields = fields


class LeadSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")
    account = reference_output("account")
    source_campaign = reference_output("source_campaign")

    class Meta:
        model = Lead
        fields = [
            "external_id",
            "email",
            "account",
            "source_campaign",
            "created_at",
            "mql_at",
            "sql_at",
            "sqo_at",
            "updated_at",
        ]
        read_only_fields = fields


class DealSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.external_id", read_only=True)
    lead = reference_output("lead")
    source_campaign = reference_output("source_campaign")
    amount = money_output()
    mrr = money_output()

    class Meta:
        model = Deal
        fields = [
            "external_id",
            "account",
            "lead",
            "source_campaign",
            "name",
            "amount",
            "mrr",
            "status",
            "created_at",
            "closed_at",
            "churned_at",
            "updated_at",
        ]
        read_only_fields = fields


class TouchpointSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True, help_text="An http(s) URL, or empty.")
    campaign = reference_output("campaign")
    lead = reference_output("lead")
    account = reference_output("account")

    class Meta:
        model = Touchpoint
        fields = [
            "external_id",
            "kind",
            "occurred_at",
            "campaign",
            "lead",
            "account",
            "visitor_id",
            "session_id",
            "url",
        ]
        read_only_fields = fields


class EmailStatSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.external_id", read_only=True)

    class Meta:
        model = EmailStat
        fields = ["campaign", "date", "sent", "bounces", "unique_opens", "unique_clicks", "unsubscribes", "spam"]
        fields += ["updated_at"]
        read_only_fields = fields


class WebStatSerializer(serializers.ModelSerializer):
    campaign = reference_output("campaign", help_text="The campaign's external_id, or null for no campaign.")

    class Meta:
        model = WebStat
        fields = ["campaign", "date", "sessions", "bounced_sessions", "page_views", "users", "new_users"]
        fields += ["content_downloads", "updated_at"]
        read_only_fields = fields


class SocialStatSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.external_id", read_only=True)

    class Meta:
        model = SocialStat
        fields = ["campaign", "date", "engagements", "updated_at"]
        read_only_fields = fields


class SeoStatSerializer(serializers.ModelSerializer):
    class Meta:
        model = SeoStat
        fields = ["date", "backlinks", "referring_domains", "updated_at"]
        read_only_fields = fields


# Inputs (documentation of what campaigns.validation accepts).


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": MONEY_PATTERN, "example": "1250.50"},
            {"type": "number", "minimum": 0, "maximum": 99999999999999.99, "multipleOf": 0.01},
        ],
        "description": "Money: a decimal string or number, ≥ 0, at most 2 decimals.",
    }
)
class MoneyInput(serializers.Field):
    pass


def external_id_input(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=255, **kwargs)


def reference_input(what: str, *, required: bool = False) -> serializers.CharField:
    return serializers.CharField(
        max_length=255,
        required=required,
        allow_null=not required,
        help_text=f"The external_id of a {what} of this workspace.",
    )


def timestamp_input(*, required: bool = False, help_text: str = "") -> serializers.DateTimeField:
    return serializers.DateTimeField(
        required=required,
        allow_null=not required,
        help_text=(help_text + " ISO 8601 with a UTC offset (Z or ±hh:mm); naive timestamps are refused.").strip(),
    )


class CampaignInputSerializer(serializers.Serializer):
    external_id = external_id_input(help_text="Your identifier of the campaign: the key of the upsert.")
    name = serializers.CharField(max_length=255)
    channel = serializers.ChoiceField(choices=Channel.choices)
    is_abm = serializers.BooleanField(required=False, default=False)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="Not before starts_on.")
    budget = MoneyInput(required=False, allow_null=True)


class SpendEntryInputSerializer(serializers.Serializer):
    campaign = reference_input("campaign", required=True)
    date = serializers.DateField(help_text="With campaign, the key of the upsert: a new push replaces the day.")
    cost = MoneyInput()
    impressions = serializers.IntegerField(required=False, min_value=0, max_value=MAX_BIGINT, default=0)
    clicks = serializers.IntegerField(required=False, min_value=0, max_value=MAX_BIGINT, default=0)


class AccountInputSerializer(serializers.Serializer):
    external_id = external_id_input(help_text="Your identifier of the company: the key of the upsert.")
    name = serializers.CharField(max_length=255)
    domain = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    industry = serializers.CharField(max_length=120, required=False, allow_blank=True, allow_null=True)
    employees = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_INT)
    is_target = serializers.BooleanField(required=False, default=False, help_text="On the ABM target list.")


class LeadInputSerializer(serializers.Serializer):
    external_id = external_id_input(help_text="Your identifier of the lead: the key of the upsert.")
    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)
    account = reference_input("account")
    source_campaign = reference_input("campaign")
    created_at = timestamp_input(required=True)
    mql_at = timestamp_input()
    sql_at = timestamp_input()
    sqo_at = timestamp_input()


class DealInputSerializer(serializers.Serializer):
    external_id = external_id_input(help_text="Your identifier of the deal: the key of the upsert.")
    account = reference_input("account", required=True)
    lead = reference_input("lead")
    source_campaign = reference_input("campaign")
    name = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    amount = MoneyInput()
    mrr = MoneyInput(required=False, allow_null=True, help_text="Monthly recurring part of the amount; 0 if none.")
    status = serializers.ChoiceField(choices=DealStatus.choices, required=False, default=DealStatus.OPEN)
    created_at = timestamp_input(required=True)
    closed_at = timestamp_input(help_text="Required for won and lost deals; empty while open.")
    churned_at = timestamp_input(help_text="Won deals only, not before closed_at.")


class TouchpointInputSerializer(serializers.Serializer):
    external_id = external_id_input(
        required=False,
        allow_null=True,
        help_text="Optional: with one the touchpoint is upserted, without one it is appended.",
    )
    kind = serializers.ChoiceField(choices=TouchpointKind.choices)
    occurred_at = timestamp_input(required=True)
    campaign = reference_input("campaign")
    lead = reference_input("lead")
    account = reference_input("account")
    visitor_id = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    session_id = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, allow_null=True)


def count_input(help_text: str = "") -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=0, max_value=MAX_INT, default=0, help_text=help_text)


STAT_DATE = "With the campaign, the key of the upsert: a new push for the same key replaces the day's totals."


class EmailStatInputSerializer(serializers.Serializer):
    campaign = reference_input("campaign", required=True)
    date = serializers.DateField(help_text=STAT_DATE)
    sent = count_input()
    bounces = count_input("At most sent.")
    unique_opens = count_input()
    unique_clicks = count_input("At most sent.")
    unsubscribes = count_input()
    spam = count_input("Spam complaints.")


class WebStatInputSerializer(serializers.Serializer):
    campaign = reference_input("campaign")
    date = serializers.DateField(
        help_text="With the campaign, the key of the upsert; no campaign (null or left out) is a key value of its own."
    )
    sessions = count_input()
    bounced_sessions = count_input("Sessions with a single page view; at most sessions.")
    page_views = count_input()
    users = count_input("The day's users (a person counts once a day).")
    new_users = count_input("At most users.")
    content_downloads = count_input()


class SocialStatInputSerializer(serializers.Serializer):
    campaign = reference_input("campaign", required=True)
    date = serializers.DateField(help_text=STAT_DATE)
    engagements = count_input()


class SeoStatInputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The key of the upsert: one row per date.")
    backlinks = count_input("Backlinks to the site on that date (a level, not a daily amount).")
    referring_domains = count_input("Domains linking to the site on that date.")


# Results and errors.


class BatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(min_value=0)
    updated = serializers.IntegerField(min_value=0)


class ErrorItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True,
        help_text="Position of the object in the request array (0 for a single object); null for the request as a whole.",
    )
    field = serializers.CharField(allow_null=True, help_text="The field at fault, or null.")
    message = serializers.CharField()
    code = serializers.CharField(
        help_text="Machine-readable: required, invalid, invalid_type, invalid_choice, unknown_field, "
        "unknown_reference, duplicate, immutable, too_many, max_length, min_value, max_value, …"
    )


class ErrorListSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
