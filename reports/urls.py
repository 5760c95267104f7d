"""The reports pages under /w/<workspace>/reports/, and the unsubscribe link."""

from django.urls import path

from reports import views

W = "w/<slug:workspace_slug>/reports/"

urlpatterns = [
    path(W, views.ReportsHomeView.as_view(), name="reports-home"),
    path(f"{W}preview/", views.ReportPreviewView.as_view(), name="reports-preview"),
    path(f"{W}preview.pdf", views.ReportPdfView.as_view(), name="reports-pdf"),
    path(f"{W}commentary/", views.CommentaryView.as_view(), name="reports-commentary"),
    path(f"{W}schedules/new/", views.ScheduleFormView.as_view(), name="reports-schedule-new"),
    path(f"{W}schedules/<int:schedule_id>/", views.ScheduleFormView.as_view(), name="reports-schedule"),
    path(
        f"{W}schedules/<int:schedule_id>/preview/",
        views.SchedulePreviewSendView.as_view(),
        name="reports-schedule-preview",
    ),
    path(f"{W}schedules/<int:schedule_id>/delete/", views.ScheduleDeleteView.as_view(), name="reports-schedule-delete"),
    path(f"{W}templates/new/", views.TemplateFormView.as_view(), name="reports-template-new"),
    path(f"{W}templates/<int:template_id>/", views.TemplateFormView.as_view(), name="reports-template"),
    path("reports/unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="reports-unsubscribe"),
]
