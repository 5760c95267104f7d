from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import audit_views, offboarding_views, sso_views, views
from accounts.brand_forms import BrandedPasswordResetForm
from accounts.confirmations import ConfirmView

urlpatterns = [
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("login/", sso_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=BrandedPasswordResetForm),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path(
        "invitations/<str:token>/sso/<slug:provider_id>/",
        sso_views.InvitationSsoView.as_view(),
        name="invitation-sso",
    ),
    path("second-factor/", sso_views.SecondFactorRequiredView.as_view(), name="second-factor-required"),
    path("agency/<slug:agency_slug>/security/", sso_views.AgencySecurityView.as_view(), name="agency-security"),
    path("confirm/", ConfirmView.as_view(), name="confirm"),
    path("workspaces/new/", views.WorkspaceCreateView.as_view(), name="workspace-create"),
    path("agency/<slug:agency_slug>/members/", views.AgencyMembersView.as_view(), name="agency-members"),
    path(
        "agency/<slug:agency_slug>/members/<int:membership_id>/",
        views.AgencyMemberUpdateView.as_view(),
        name="agency-member-update",
    ),
    path(
        "agency/<slug:agency_slug>/invitations/<int:invitation_id>/revoke/",
        views.AgencyInvitationRevokeView.as_view(),
        name="agency-invitation-revoke",
    ),
    path("agency/<slug:agency_slug>/brand/", views.AgencyBrandView.as_view(), name="agency-brand"),
    path("agency/<slug:agency_slug>/audit/", audit_views.AgencyAuditView.as_view(), name="agency-audit"),
    path("w/<slug:workspace_slug>/audit/", audit_views.WorkspaceAuditView.as_view(), name="workspace-audit"),
    path("w/<slug:workspace_slug>/settings/", views.WorkspaceSettingsView.as_view(), name="workspace-settings"),
    path("w/<slug:workspace_slug>/settings/logo/", views.WorkspaceLogoView.as_view(), name="workspace-logo"),
    path("w/<slug:workspace_slug>/members/", views.WorkspaceMembersView.as_view(), name="workspace-members"),
    path(
        "w/<slug:workspace_slug>/members/<int:membership_id>/",
        views.WorkspaceMemberUpdateView.as_view(),
        name="workspace-member-update",
    ),
    path(
        "w/<slug:workspace_slug>/invitations/<int:invitation_id>/revoke/",
        views.WorkspaceInvitationRevokeView.as_view(),
        name="workspace-invitation-revoke",
    ),
    path("w/<slug:workspace_slug>/api-keys/", views.ApiKeysView.as_view(), name="api-keys"),
    path("w/<slug:workspace_slug>/export/", offboarding_views.WorkspaceExportView.as_view(), name="workspace-export"),
    path(
        "w/<slug:workspace_slug>/export/<int:export_id>/download/",
        offboarding_views.WorkspaceExportDownloadView.as_view(),
        name="workspace-export-download",
    ),
    path("w/<slug:workspace_slug>/delete/", offboarding_views.WorkspaceDeleteView.as_view(), name="workspace-delete"),
    path("account/delete/", offboarding_views.AccountDeleteView.as_view(), name="account-delete"),
    path(
        "w/<slug:workspace_slug>/api-keys/<int:key_id>/revoke/", views.ApiKeyRevokeView.as_view(), name="api-key-revoke"
    ),
]
