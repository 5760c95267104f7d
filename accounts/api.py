from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import WorkspaceAPIMixin
from accounts.models import Workspace


class WorkspaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Workspace
        fields = [
            "slug",
            "name",
            "currency",
            "time_zone",
            "number_locale",
            "gross_margin",
            "engagement_weights",
            "engagement_window_days",
            "half_life_days",
            "mqa_threshold",
        ]


class WorkspaceView(WorkspaceAPIMixin, APIView):
    """The workspace the API key belongs to: lets an integration check its key and settings."""

    @extend_schema(responses=WorkspaceSerializer, operation_id="workspace_retrieve", tags=["workspace"])
    def get(self, request):
        return Response(WorkspaceSerializer(self.workspace).data)
