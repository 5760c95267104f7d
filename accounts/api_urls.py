from django.urls import path

from accounts.api import WorkspaceView

urlpatterns = [path("workspace/", WorkspaceView.as_view(), name="api-workspace")]
