"""Agencies, workspaces (the tenants), people, invitations and API keys."""

from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from accounts.formatting import DEFAULT_LOCALE, NUMBER_LOCALES
from accounts.logos import logo_upload_to
from accounts.tenancy import WorkspaceOwned

DEFAULT_ENGAGEMENT_WEIGHTS = {
    "email_open": 1,
    "email_click": 3,
    "page_view": 1,
    "form_submit": 10,
    "ad_click": 2,
    "social_engagement": 2,
    "webinar_registration": 5,
    "webinar_attendance": 8,
    "content_download": 5,
    "meeting": 15,
}


# The settings form takes weights below 1,000,000 (8 digits, 2 of them decimals).
MAX_ENGAGEMENT_WEIGHT = 1_000_000


def default_engagement_weights() -> dict[str, float]:
    return dict(DEFAULT_ENGAGEMENT_WEIGHTS)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/Paris or America/New_York.")


def validate_number_locale(value: str) -> None:
    if value not in NUMBER_LOCALES:
        raise ValidationError(f"“{value}” is not a supported number format; choose one of {', '.join(NUMBER_LOCALES)}.")


def validate_engagement_weights(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Engagement weights must be an object of kind → weight.")
    unknown = sorted(set(value) - set(DEFAULT_ENGAGEMENT_WEIGHTS))
    if unknown:
        raise ValidationError(f"Unknown engagement kinds: {', '.join(unknown)}.")
    for kind, weight in value.items():
        # `not 0 <= weight <= MAX` also refuses NaN, which every comparison fails.
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 <= weight <= MAX_ENGAGEMENT_WEIGHT:
            raise ValidationError(f"The weight of {kind} must be a number from 0 to {MAX_ENGAGEMENT_WEIGHT:,}.")


# KPI settings in days: the ABM pages subtract them from dates and divide ages by them, so a
# value such as 2^31 - 1 overflows Python's dates. Ten years is far past any useful setting.
MAX_SETTING_DAYS = 3650


def validate_engagement_window_days(value: int) -> None:
    if not 1 <= value <= MAX_SETTING_DAYS:
        raise ValidationError(
            f"Must be between 1 and {MAX_SETTING_DAYS:,} days (ten years): scores look back this far "
            "from every date shown, and older engagement says nothing about an account today."
        )


def validate_half_life_days(value: int) -> None:
    if not 1 <= value <= MAX_SETTING_DAYS:
        raise ValidationError(
            f"Must be between 1 and {MAX_SETTING_DAYS:,} days (ten years): beyond that an engagement "
            "would barely lose weight over the whole engagement window."
        )


HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def validate_host_name(value: str) -> None:
    """A bare DNS name such as reports.acme-agency.com: no scheme, port, path or IP address."""
    labels = value.split(".")
    if (
        len(value) > 253
        or len(labels) < 2
        or not all(HOST_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationError(
            f"“{value}” is not a host name: write it as reports.your-agency.com, without https:// or a path."
        )


hex_colour = RegexValidator(r"^#[0-9a-f]{6}$", "Write a colour as # and six lower-case hex digits, such as #1f4e99.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person; logs in with an email address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # The person's last choice of range, grain and comparison on the analysis pages, and their
    # campaign or channel narrowing per workspace (accounts/view_state.py).
    view_state = models.JSONField(default=dict, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.lower()
        super().save(*args, **kwargs)


class Agency(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # White label (accounts/branding.py): empty fields leave the product's brand in place.
    brand_name = models.CharField(max_length=80, blank=True)
    brand_logo = models.FileField(upload_to=logo_upload_to, blank=True, max_length=200)
    brand_primary_colour = models.CharField(max_length=7, blank=True, validators=[hex_colour])
    brand_accent_colour = models.CharField(max_length=7, blank=True, validators=[hex_colour])
    email_sender_name = models.CharField(max_length=80, blank=True)
    email_reply_to = models.EmailField(blank=True)
    custom_host = models.CharField(max_length=253, unique=True, null=True, blank=True, validators=[validate_host_name])
    # The owner's rule: every staff member signs in with a second factor (accounts/second_factor.py).
    require_second_factor = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class AgencyRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class WorkspaceRole(models.TextChoices):
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class AgencyMembership(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agency_memberships")
    role = models.CharField(max_length=10, choices=AgencyRole.choices, default=AgencyRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "user"], name="agency_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} of {self.agency}"


currency_code = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as USD or EUR.")


class Workspace(models.Model):
    """A client of an agency: the tenant every marketing row belongs to."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="workspaces")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(max_length=3, default="USD", validators=[currency_code])
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    number_locale = models.CharField(
        max_length=16,
        default=DEFAULT_LOCALE,
        validators=[validate_number_locale],
        help_text="How figures are written: digit grouping, decimal mark, where the currency goes.",
    )
    # KPI settings (docs/kpis.md), with the spec's defaults.
    gross_margin = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    engagement_weights = models.JSONField(default=default_engagement_weights, validators=[validate_engagement_weights])
    engagement_window_days = models.PositiveIntegerField(default=90, validators=[validate_engagement_window_days])
    half_life_days = models.PositiveIntegerField(default=30, validators=[validate_half_life_days])
    mqa_threshold = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("20"), validators=[MinValueValidator(Decimal("0"))]
    )
    # Shown instead of the agency's logo on this client's pages, reports and emails.
    brand_logo = models.FileField(upload_to=logo_upload_to, blank=True, max_length=200)
    # Touchpoints older than this are purged by beat (campaigns/retention.py); None keeps them forever.
    touchpoint_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(MAX_SETTING_DAYS)],
        help_text="Touchpoints older than this are deleted every night. Leave blank to keep them forever.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when an agency owner deletes the workspace: from then on it is gone from every page
    # and key while its rows are removed in the background (accounts/offboarding.py).
    deleting_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gross_margin__gte=0, gross_margin__lte=1), name="workspace_gross_margin_0_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class WorkspaceMembership(models.Model):
    """A client-side person's access to one workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="workspace_memberships")
    role = models.CharField(max_length=10, choices=WorkspaceRole.choices, default=WorkspaceRole.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="workspace_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} of {self.workspace}"


class Invitation(models.Model):
    """An emailed invitation to an agency (staff) or to one workspace (client)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="invitations")
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10)
    # Set when the email goes out; the token itself is only ever in that email.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agency", "email"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.target_name} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def target_name(self) -> str:
        return self.workspace.name if self.workspace_id else self.agency.name


class ApiKey(WorkspaceOwned):
    """A per-workspace key for integrations. Only a hash of the secret is kept."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WorkspaceExport(WorkspaceOwned):
    """One export of a whole workspace: a ZIP of CSV files, kept until `expires_at`."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    tables_done = models.PositiveIntegerField(default=0)
    tables_total = models.PositiveIntegerField(default=0)
    # The storage name of the ZIP (random, never derived from the workspace); blank until done.
    file_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "created_at"])]

    def __str__(self) -> str:
        return f"Export {self.pk} of workspace {self.workspace_id} ({self.status})"

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file_name) and self.expires_at > timezone.now()


class AuditAction(models.TextChoices):
    """Every action the audit log records (accounts/audit.py); a closed list, so filters can offer it."""

    SIGN_IN = "auth.sign_in", "Signed in"
    SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
    SIGN_OUT = "auth.sign_out", "Signed out"
    SECOND_FACTOR_ADDED = "auth.factor_added", "Second factor added"
    SECOND_FACTOR_REMOVED = "auth.factor_removed", "Second factor removed"
    RECOVERY_CODES_RENEWED = "auth.recovery_codes_renewed", "Recovery codes renewed"
    SECOND_FACTOR_FAILED = "auth.factor_failed", "Second-factor code refused"
    INVITATION_SENT = "invitation.sent", "Invitation sent"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
    ROLE_CHANGED = "member.role_changed", "Role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    API_KEY_CREATED = "api_key.created", "API key created"
    API_KEY_REVOKED = "api_key.revoked", "API key revoked"
    SETTINGS_CHANGED = "workspace.settings_changed", "Workspace settings changed"
    KPI_SETTINGS_CHANGED = "workspace.kpi_settings_changed", "KPI settings changed"
    BRAND_CHANGED = "brand.changed", "Brand changed"
    TARGET_CREATED = "target.created", "Target created"
    TARGET_UPDATED = "target.updated", "Target updated"
    TARGET_DELETED = "target.deleted", "Target deleted"
    IMPORT_CONFIRMED = "import.confirmed", "Import confirmed"
    IMPORT_UNDONE = "import.undone", "Import undone"
    SHARE_LINK_CREATED = "share_link.created", "Share link created"
    SHARE_LINK_REVOKED = "share_link.revoked", "Share link revoked"
    SCHEDULE_SAVED = "report_schedule.saved", "Report schedule saved"
    SCHEDULE_DELETED = "report_schedule.deleted", "Report schedule deleted"
    WORKSPACE_EXPORTED = "workspace.export", "Workspace export requested"
    WORKSPACE_DELETE = "workspace.delete", "Workspace deletion requested"
    WORKSPACE_DELETED = "workspace.deleted", "Workspace deleted"
    ACCOUNT_DELETED = "account.delete", "Account deleted"
    TOUCHPOINTS_PURGED = "retention.touchpoints_purged", "Touchpoints purged (retention)"
    ALERT_RULE_CREATED = "alert_rule.created", "Alert rule created"
    ALERT_RULE_UPDATED = "alert_rule.updated", "Alert rule updated"
    ALERT_RULE_DELETED = "alert_rule.deleted", "Alert rule deleted"
    ALERT_SECRET_REGENERATED = "alert_rule.secret_regenerated", "Alert webhook secret regenerated"
    LAYOUT_SAVED = "dashboard_layout.saved", "Dashboard layout saved"
    LAYOUT_RESET = "dashboard_layout.reset", "Dashboard layout reset"


class AuditEntry(models.Model):
    """Who did what, when and from where: append-only for the app's role (docs/security.md).

    Not `WorkspaceOwned`: an agency-level entry (a sign-in, an agency invitation) has no
    workspace. The foreign keys hold no database constraint and do nothing on delete, so
    deleting a person or an agency never UPDATEs or DELETEs an entry (the app's role may
    not); the actor's email is kept as text for when the person is gone. A deleted
    workspace's entries are removed with it, through `audit_forget_workspace`.
    """

    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="audit_agency_created"),
            models.Index(fields=["workspace", "-created_at"], name="audit_workspace_created"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email or 'system'} {self.action}"

    @property
    def details_text(self) -> str:
        """The details as the page shows them: `field: old → new` for changes, `key: value` otherwise."""

        def plain(value) -> str:
            return "—" if value in (None, "") else str(value)

        parts = []
        for key, value in (self.details or {}).items():
            if key == "changes" and isinstance(value, dict):
                parts += [f"{name}: {plain(old)} → {plain(new)}" for name, (old, new) in value.items()]
            else:
                parts.append(f"{key}: {plain(value)}")
        return "; ".join(parts)
