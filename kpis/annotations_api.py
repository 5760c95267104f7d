"""The annotations API (README, Annotations): list, create, and one annotation by its id.

Errors are DRF's field messages, `{"<field>": ["message"]}`, as the KPI API's.
A campaign is named by its external_id and looked up in the key's workspace
only: another workspace's campaign is unknown, exactly as a missing one.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from accounts.authentication import WorkspaceAPIMixin
from campaigns.api import CursorPage
from campaigns.models import Campaign, Channel
from campaigns.openapi import THROTTLED, UNAUTHORIZED
from campaigns.query_params import reject_unknown
from kpis import periods, records
from kpis.annotations import (
    MAX_TEXT,
    Annotation,
    AnnotationSource,
    annotation_save,
    applying_to,
    consistency_errors,
    overlapping,
)
from kpis.api import SupportedDateField


class CampaignRef(serializers.CharField):
    """A campaign of the key's workspace by its external_id; null for none."""

    def to_internal_value(self, data) -> Campaign:
        value = super().to_internal_value(data)
        campaign = records.campaign_by_external_id(external_id=value)
        if campaign is None:
            raise serializers.ValidationError(f"Unknown campaign “{value}”.", code="unknown_campaign")
        return campaign

    def to_representation(self, value) -> str:
        return value.external_id


class AnnotationSerializer(serializers.ModelSerializer):
    starts_on = SupportedDateField(help_text="The day, or the first day of the range (YYYY-MM-DD, local).")
    ends_on = SupportedDateField(
        required=False, allow_null=True, help_text="The last day of the range, inclusive; null for a single day."
    )
    text = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=True)
    campaign = CampaignRef(required=False, allow_null=True, help_text="The campaign it applies to (external_id).")
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_null=True, help_text="The channel it applies to; null for none."
    )

    class Meta:
        model = Annotation
        fields = ["id", "starts_on", "ends_on", "text", "campaign", "channel", "source", "created_at", "updated_at"]
        read_only_fields = ["id", "source", "created_at", "updated_at"]

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        data["channel"] = data["channel"] or None  # stored as "", answered as null
        return data

    def validate(self, attrs):
        if "channel" in attrs:
            attrs["channel"] = attrs["channel"] or ""
        merged = {
            name: attrs.get(name, getattr(self.instance, name, None))
            for name in ("starts_on", "ends_on", "campaign", "channel")
        }
        errors = consistency_errors(
            starts_on=merged["starts_on"],
            ends_on=merged["ends_on"],
            campaign=merged["campaign"],
            channel=merged["channel"] or "",
        )
        if errors:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        return attrs


class AnnotationFilter(serializers.Serializer):
    date_from = SupportedDateField(required=False, help_text="Annotations with a day on or after this date.")
    date_to = SupportedDateField(required=False, help_text="Annotations with a day on or before this date.")
    campaign = CampaignRef(required=False, help_text="Those shown on this campaign's charts.")
    channel = serializers.ChoiceField(
        choices=Channel.values, required=False, help_text="Those shown on this channel's."
    )

    def validate(self, attrs):
        if "campaign" in attrs and "channel" in attrs:
            raise serializers.ValidationError({"channel": ["Give either campaign or channel, not both."]})
        if "date_from" in attrs and "date_to" in attrs and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": ["“date_to” is before “date_from”."]})
        return attrs


FILTER_PARAMETERS = [
    OpenApiParameter("date_from", str, description="YYYY-MM-DD: annotations with a day on or after it."),
    OpenApiParameter("date_to", str, description="YYYY-MM-DD: annotations with a day on or before it."),
    OpenApiParameter("campaign", str, description="A campaign's external_id: the annotations its charts show."),
    OpenApiParameter("channel", str, enum=Channel.values, description="The annotations a channel's charts show."),
]
INVALID = OpenApiResponse(description="Invalid input, field → messages; nothing was written.")
NOT_FOUND = OpenApiResponse(description="No such annotation in this workspace.")


class AnnotationAPIView(WorkspaceAPIMixin, GenericAPIView):
    serializer_class = AnnotationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return QuerySet(Annotation).none()
        return Annotation.objects.select_related("campaign")


class AnnotationPage(CursorPage):
    ordering = ("starts_on", "id")

    def decode_cursor(self, request):
        # The cursor's position is a start date here, not an id as on the other lists.
        try:
            cursor = CursorPagination.decode_cursor(self, request)
            if cursor is not None and cursor.position is not None:
                date.fromisoformat(cursor.position)
        except (exceptions.NotFound, ValueError):
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use the next/previous links."]}
            ) from None
        return cursor


@extend_schema_view(
    get=extend_schema(
        operation_id="annotations_list",
        summary="List annotations",
        description="Cursor-paginated (follow `next`), by date; filters combine with AND. "
        "`campaign` and `channel` list the annotations a chart narrowed to them shows: those without campaign or "
        "channel, and those of that campaign or channel.",
        tags=["annotations"],
        parameters=FILTER_PARAMETERS,
        responses={200: AnnotationSerializer(many=True), 400: INVALID, 401: UNAUTHORIZED, 429: THROTTLED},
    ),
    post=extend_schema(
        operation_id="annotations_create",
        summary="Create an annotation",
        tags=["annotations"],
        responses={201: AnnotationSerializer, 400: INVALID, 401: UNAUTHORIZED, 429: THROTTLED},
    ),
)
class AnnotationListView(AnnotationAPIView):
    pagination_class = AnnotationPage

    def get(self, request):
        reject_unknown(request.query_params, {*AnnotationFilter().fields, *self.paginator.query_parameters()})
        query = AnnotationFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        annotations = self.get_queryset().filter(
            applying_to(campaign=params.get("campaign"), channel=params.get("channel"))
        )
        if "date_from" in params or "date_to" in params:
            first = params.get("date_from") or periods.FIRST_DAY
            last = params.get("date_to") or periods.LAST_DAY
            annotations = annotations.filter(overlapping(first, last))
        page = self.paginate_queryset(annotations)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request):
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {"channel": "", **serializer.validated_data}
        annotation = annotation_save(workspace=self.workspace, source=AnnotationSource.API, **fields)
        return Response(self.get_serializer(annotation).data, status=status.HTTP_201_CREATED)


ANNOTATION_ID = OpenApiParameter("annotation_id", int, OpenApiParameter.PATH, description="The annotation's id.")


@extend_schema_view(
    get=extend_schema(
        operation_id="annotations_retrieve",
        summary="One annotation",
        tags=["annotations"],
        parameters=[ANNOTATION_ID],
        responses={200: AnnotationSerializer, 401: UNAUTHORIZED, 404: NOT_FOUND, 429: THROTTLED},
    ),
    patch=extend_schema(
        operation_id="annotations_partial_update",
        summary="Change some fields of an annotation",
        description="Fields left out keep their values.",
        tags=["annotations"],
        parameters=[ANNOTATION_ID],
        responses={200: AnnotationSerializer, 400: INVALID, 401: UNAUTHORIZED, 404: NOT_FOUND, 429: THROTTLED},
    ),
    delete=extend_schema(
        operation_id="annotations_destroy",
        summary="Delete an annotation",
        tags=["annotations"],
        parameters=[ANNOTATION_ID],
        responses={204: OpenApiResponse(description="Deleted."), 401: UNAUTHORIZED, 404: NOT_FOUND},
    ),
)
class AnnotationDetailView(AnnotationAPIView):
    http_method_names = ["get", "patch", "delete", "options"]

    def get_object(self) -> Annotation:
        annotation = self.get_queryset().filter(pk=self.kwargs["annotation_id"]).first()
        if annotation is None:
            raise exceptions.NotFound()
        return annotation

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Another workspace's annotation is a 404 whatever the method, exactly as a missing one.
        self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)

    def get(self, request, annotation_id: int):
        return Response(self.get_serializer(self.get_object()).data)

    def patch(self, request, annotation_id: int):
        annotation = self.get_object()
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        serializer = self.get_serializer(annotation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        annotation = annotation_save(workspace=self.workspace, annotation=annotation, **serializer.validated_data)
        return Response(self.get_serializer(annotation).data)

    def delete(self, request, annotation_id: int):
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
