"""The API's schema class: what every operation says that no view should have to repeat.

- A PATCH body declares no defaults: a client generated from the schema fills
  every field it was not given with its default and sends it, so a declared
  default would overwrite the stored value (a PATCH of a campaign's budget
  resetting `is_abm`). Nothing in it is required either (drf-spectacular's
  partial component).
- Every body of a POST, PUT or PATCH is required.
- Every operation that needs an API key documents 401 and 429.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse

from campaigns.serializers import DetailSerializer

UNAUTHORIZED = OpenApiResponse(DetailSerializer, description="Missing, invalid or revoked API key.")
THROTTLED = OpenApiResponse(DetailSerializer, description="Too many requests for this key; see the Retry-After header.")


class AutoSchema(openapi.AutoSchema):
    def _map_basic_serializer(self, serializer, direction) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        # `partial` is set on the body of a PATCH (and only there): its component is its own.
        if direction == "request" and getattr(serializer, "partial", False):
            for prop in schema.get("properties", {}).values():
                prop.pop("default", None)
            schema.pop("required", None)
        return schema

    def _get_request_body(self, direction="request") -> dict[str, Any] | None:
        body = super()._get_request_body(direction)
        if body is not None:
            body["required"] = True
        return body

    def _get_response_bodies(self, direction="response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction == "response" and any(self.get_auth()):
            for code, response in (("401", UNAUTHORIZED), ("429", THROTTLED)):
                if code not in responses:
                    responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
