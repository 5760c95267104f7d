"""The ingestion API (README, API; /api/schema/): batch upserts, lists, and one object by its external_id.

Views are thin: they parse, call one service or selector, and shape the answer.
Every error is JSON: `{"errors": [{"index", "field", "message", "code"}]}` for
invalid input, `{"detail": …}` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from accounts.authentication import WorkspaceAPIMixin
from campaigns import filters, idempotency, intake, query_params, selectors, services
from campaigns.openapi import THROTTLED, UNAUTHORIZED
from campaigns.parsers import JSONParser
from campaigns.resources import RESOURCES, DataResource
from campaigns.serializers import BatchResultSerializer, DetailSerializer, ErrorListSerializer
from campaigns.validation import MAX_BATCH, RowError


class CursorPage(CursorPagination):
    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request) -> int:
        # DRF quietly falls back to the default (or the maximum) on a bad value: say so instead.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        digits = len(str(self.max_page_size))  # checked before int(): 5,000 digits would raise
        if not (raw.isascii() and raw.isdigit() and len(raw) <= digits and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def query_parameters(self) -> set[str]:
        return {self.cursor_query_param, self.page_size_query_param}

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = None
        else:
            if cursor is None or cursor.position is None or cursor.position.isdigit():
                return cursor
        raise exceptions.ValidationError({self.cursor_query_param: ["Invalid cursor: use the next/previous links."]})


def _errors(errors: list[RowError]) -> dict[str, Any]:
    return {"errors": [error.as_dict() for error in errors]}


def _from_drf_detail(detail: Any) -> list[RowError]:
    if isinstance(detail, dict):
        return [
            RowError(
                None,
                None if name == "non_field_errors" else str(name),
                str(message),
                getattr(message, "code", "invalid"),
            )
            for name, messages in detail.items()
            for message in (messages if isinstance(messages, list) else [messages])
        ]
    messages = detail if isinstance(detail, list) else [detail]
    return [RowError(None, None, str(m), getattr(m, "code", "invalid")) for m in messages]


class IngestionAPIView(WorkspaceAPIMixin, GenericAPIView):
    resource: DataResource
    parser_classes = [JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation: no request, no workspace; only the model is needed.
            return QuerySet(self.resource.write.model).none()
        return self.resource.list_query()

    def get_serializer_class(self):
        return self.resource.output_serializer

    def handle_exception(self, exc):
        if isinstance(exc, services.BatchInvalid):
            return Response(_errors(exc.errors), status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, exceptions.ValidationError):
            return Response(_errors(_from_drf_detail(exc.detail)), status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, exceptions.ParseError):
            return Response(_errors([RowError(None, None, str(exc.detail), "parse_error")]), status=400)
        if isinstance(exc, idempotency.IdempotencyKeyInvalid):
            return Response(_errors([RowError(None, idempotency.HEADER, str(exc), "invalid")]), status=400)
        if isinstance(exc, idempotency.IdempotencyKeyReused):
            return Response({"detail": str(exc)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        if isinstance(exc, idempotency.IdempotencyKeyInFlight):
            return Response(
                {"detail": str(exc)},
                status=status.HTTP_409_CONFLICT,
                headers={"Retry-After": str(services.RETRY_AFTER_SECONDS)},
            )
        if isinstance(exc, services.DeleteRefused):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, services.WriteConflict):
            return Response(
                {"detail": "A concurrent change conflicted with this request; nothing was written, retry it."},
                status=status.HTTP_409_CONFLICT,
                headers={"Retry-After": str(exc.retry_after)},
            )
        return super().handle_exception(exc)


class ResourceListView(IngestionAPIView):
    filter_backends = [filters.FilterBackend]
    pagination_class = CursorPage

    def get(self, request):
        known = {*self.filterset_class.base_filters, *self.paginator.query_parameters()}
        query_params.reject_unknown(request.query_params, known)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request):
        body = request.body
        data = request.data
        if isinstance(data, list):
            items = data
        elif isinstance(data, dict):
            items = [data]
        else:
            raise services.BatchInvalid(
                [RowError(None, None, "The body must be a JSON object or an array of objects.", "invalid_type")]
            )
        upsert = self.resource.upsert
        source = intake.Source(intake.API_KEY, str(request.auth.pk))

        def perform() -> idempotency.Answer:
            return idempotency.Answer(
                status=200, body=upsert(workspace=self.workspace, items=items, source=source).as_dict()
            )

        key = request.headers.get(idempotency.HEADER)
        try:
            if key is None:
                answer = perform()
            else:
                fingerprint = idempotency.request_fingerprint(method=request.method, path=request.path, body=body)
                answer = idempotency.idempotent_call(
                    workspace=self.workspace, key=key, fingerprint=fingerprint, perform=perform
                )
        except services.BatchInvalid as exc:  # data health counts the rows refused (after the rollback)
            rejected = intake.rejected_rows(exc.errors, len(items))
            intake.record(workspace=self.workspace, source=source, resource=self.resource.name, rejected=rejected)
            raise
        response = Response(answer.body, status=answer.status)
        if answer.replayed:
            response[idempotency.REPLAY_HEADER] = "true"
        return response


class ResourceDetailView(IngestionAPIView):
    # One object, addressed by its external_id. (No docstring: a view's docstring is its operations' description.)

    def get_object(self):
        instance = selectors.object_by_external_id(
            objects=self.resource.list_query(), external_id=self.kwargs["external_id"]
        )
        if instance is None:
            raise exceptions.NotFound()
        return instance

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Another workspace's object is a 404 whatever the method, exactly as a missing one.
        self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)

    def get(self, request, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def patch(self, request, **kwargs):
        instance = self.get_object()
        services.object_update(
            workspace=self.workspace, resource=self.resource.write, instance=instance, changes=request.data
        )
        instance.refresh_from_db()
        return Response(self.get_serializer(self.get_object()).data)

    def delete(self, request, **kwargs):
        services.object_delete(workspace=self.workspace, resource=self.resource.write, instance=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# The OpenAPI description of each resource's endpoints.

DETAIL = DetailSerializer
NOT_FOUND = OpenApiResponse(DETAIL, description="No such object in this workspace.")
TOO_LARGE = OpenApiResponse(DETAIL, description="The body is over the size limit; it was not read.")
UNSUPPORTED = OpenApiResponse(DETAIL, description="The body must be application/json.")
INVALID = OpenApiResponse(
    ErrorListSerializer, description="Invalid input; nothing was written. Errors per index and field."
)
BAD_FILTER = OpenApiResponse(
    ErrorListSerializer,
    description="An unknown query parameter (code unknown_parameter; the message lists the known ones), "
    "or an invalid filter value, cursor or page_size.",
)
CONFLICT = OpenApiResponse(
    DETAIL, description="A concurrent change or a request in flight with the same Idempotency-Key; retry."
)

IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Makes a retry of the same request return the first answer without writing again "
    "(remembered 24 hours). The same key with a different request is a 422.",
)
EXTERNAL_ID = OpenApiParameter(
    "external_id",
    {"type": "string", "minLength": 1, "maxLength": 255},
    OpenApiParameter.PATH,
    description="The object's external_id (URL-encoded).",
)


def list_schema(resource: DataResource):
    name, inputs = resource.name, resource.input_serializer
    component = inputs.__name__.removesuffix("InputSerializer")
    batch = PolymorphicProxySerializer(
        component_name=f"{component}Batch",
        serializers=[inputs, inputs(many=True, max_length=MAX_BATCH)],
        resource_type_field_name=None,
        many=False,
    )
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"{name}_list",
            summary=f"List {name}",
            description="Cursor-paginated (follow `next`), oldest first; filters combine with AND.",
            tags=[name],
            responses={
                200: resource.output_serializer(many=True),
                400: BAD_FILTER,
                401: UNAUTHORIZED,
                429: THROTTLED,
            },
        ),
        post=extend_schema(
            operation_id=f"{name}_upsert",
            summary=f"Create or update {name}",
            description=(
                f"One {resource.singular} or an array of up to {MAX_BATCH:,}. Each is created, or updated when its "
                f"key ({resource.key_help}) already exists; an update replaces the whole object (optional fields left "
                "out are reset to their defaults; use PATCH to change some fields). The request is one transaction: "
                "if any object is invalid the answer is 400 with every error, and nothing is written."
            ),
            tags=[name],
            request=batch,
            parameters=[IDEMPOTENCY_KEY],
            responses={
                200: BatchResultSerializer,
                400: INVALID,
                401: UNAUTHORIZED,
                409: CONFLICT,
                413: TOO_LARGE,
                415: UNSUPPORTED,
                422: OpenApiResponse(DETAIL, description="The Idempotency-Key was used for a different request."),
                429: THROTTLED,
            },
        ),
    )


def detail_schema(resource: DataResource, parameters: list[OpenApiParameter]):
    name, singular, output = resource.name, resource.singular, resource.output_serializer
    common = {401: UNAUTHORIZED, 404: NOT_FOUND, 429: THROTTLED}
    delete_responses = {204: OpenApiResponse(description="Deleted."), **common}
    if resource.delete_refusable:
        delete_responses[409] = OpenApiResponse(DETAIL, description=f"The {singular} still has deals.")
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"{name}_retrieve",
            summary=f"One {singular}",
            tags=[name],
            parameters=parameters,
            responses={200: output, **common},
        ),
        patch=extend_schema(
            operation_id=f"{name}_partial_update",
            summary=f"Change some fields of a {singular}",
            description="Fields left out keep their values; the identifying key cannot change.",
            tags=[name],
            parameters=parameters,
            request=resource.input_serializer,
            responses={
                200: output,
                400: INVALID,
                409: CONFLICT,
                413: TOO_LARGE,
                415: UNSUPPORTED,
                **common,
            },
        ),
        delete=extend_schema(
            operation_id=f"{name}_destroy",
            summary=f"Delete a {singular}",
            tags=[name],
            parameters=parameters,
            responses=delete_responses,
        ),
    )


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


# In a detail URL, the campaign of a row that has none (a web stat of the whole site, an SEO stat).
NO_CAMPAIGN = "-"


class CampaignDayDetailView(ResourceDetailView):
    # A row of a per-campaign, per-day resource (spend) has no external_id: it is addressed by its campaign and date.
    # Each resource's view says so in its docstring (see `endpoints`), its operations' description.

    def get_object(self):
        on = _day(self.kwargs["date"])
        campaign = self.kwargs["campaign"]
        if campaign == NO_CAMPAIGN and "campaign_id" in self.resource.write.optional_key:
            campaign = None
        instance = None
        if on is not None:
            instance = selectors.object_by_campaign_day(
                objects=self.resource.list_query(), campaign_external_id=campaign, on=on
            )
        if instance is None:
            raise exceptions.NotFound()
        return instance


class DayDetailView(ResourceDetailView):
    # A row of a per-day resource (SEO stats) is addressed by its date, after "-" in the campaign's place.

    def get_object(self):
        on = _day(self.kwargs["date"])
        instance = None if on is None else selectors.object_by_day(objects=self.resource.list_query(), on=on)
        if instance is None:
            raise exceptions.NotFound()
        return instance


DAY = OpenApiParameter("date", OpenApiTypes.DATE, OpenApiParameter.PATH, description="The day, YYYY-MM-DD.")
CAMPAIGN_DAY = [
    OpenApiParameter(
        "campaign",
        {"type": "string", "minLength": 1, "maxLength": 255},
        OpenApiParameter.PATH,
        description="The external_id of the campaign (URL-encoded).",
    ),
    DAY,
]
OPTIONAL_CAMPAIGN_DAY = [
    OpenApiParameter(
        "campaign",
        {"type": "string", "minLength": 1, "maxLength": 255},
        OpenApiParameter.PATH,
        description=f"The external_id of the campaign (URL-encoded), or {NO_CAMPAIGN} for the row without campaign.",
    ),
    DAY,
]


@dataclass(frozen=True)
class Endpoints:
    """A resource's two API endpoints: its list (GET, POST) and one object (GET, PATCH, DELETE)."""

    resource: DataResource
    list_view: type[ResourceListView]
    detail_view: type[ResourceDetailView]
    # The object's part of the detail URL, after /<resource name>/.
    detail_path: str


def _addressing(resource: DataResource) -> tuple[type[ResourceDetailView], list[OpenApiParameter], str]:
    """How one object is addressed in a URL, from the resource's key: its view, path parameters and path."""
    if resource.write.key == ("external_id",):
        return ResourceDetailView, [EXTERNAL_ID], "<external_id:external_id>/"
    if resource.write.key == ("campaign_id", "date"):
        parameters = OPTIONAL_CAMPAIGN_DAY if resource.write.optional_key else CAMPAIGN_DAY
        return CampaignDayDetailView, parameters, "<external_id:campaign>/<str:date>/"
    if resource.write.key == ("date",):
        # As every daily resource's: /<resource>/<campaign or ->/<YYYY-MM-DD>/, its campaign always "-".
        return DayDetailView, [DAY], f"{NO_CAMPAIGN}/<str:date>/"
    raise ImproperlyConfigured(f"No API address for the key {resource.write.key} of {resource.name}.")


def endpoints(resource: DataResource) -> Endpoints:
    """The resource's API views, their OpenAPI description included."""
    component = resource.input_serializer.__name__.removesuffix("InputSerializer")
    detail_base, parameters, detail_path = _addressing(resource)
    attributes: dict[str, Any] = {"resource": resource, "__module__": __name__}
    detail_attributes = dict(attributes)
    if detail_base is CampaignDayDetailView:
        detail_attributes["__doc__"] = (
            f"{resource.title} have no external_id: one is addressed by its campaign and date."
        )
        if resource.write.optional_key:
            detail_attributes["__doc__"] += f" {NO_CAMPAIGN} in the campaign's place names the row without campaign."
    elif detail_base is DayDetailView:
        detail_attributes["__doc__"] = f"{resource.title} are one per date: one is addressed as {NO_CAMPAIGN}/<date>/."
    list_view = type(f"{component}ListView", (ResourceListView,), {**attributes, "filterset_class": resource.filterset})
    detail_view = type(f"{component}DetailView", (detail_base,), detail_attributes)
    return Endpoints(
        resource=resource,
        list_view=list_schema(resource)(list_view),
        detail_view=detail_schema(resource, parameters)(detail_view),
        detail_path=detail_path,
    )


ENDPOINTS: tuple[Endpoints, ...] = tuple(endpoints(resource) for resource in RESOURCES.values())
