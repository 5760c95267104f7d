"""The audit log: who did what, when and from where (issue 23, docs/security.md).

`record()` is the one public way in: each service or view that performs an audited
action calls it once, inside the transaction of the action (an action rolled back
leaves no entry). Without an explicit `request` or `actor` it takes the request being
served (`AuditRequestMiddleware` keeps it in a ContextVar) and its signed-in user;
a beat task records with neither (the actor is "system").

Entries are scoped like the data: a workspace's entries carry the workspace (and its
agency), agency-level ones (staff sign-ins, agency invitations, brand) the agency only.
On PostgreSQL the table has the workspace policy of accounts/rls.py and is append-only
for the app's role (accounts/audit_db.py); `purge_expired` and `forget_workspace` go
through the owner's SECURITY DEFINER functions there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from allauth.mfa import signals as mfa_signals
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Agency, AuditAction, AuditEntry, User, Workspace
from accounts.network import client_address
from accounts.rls import rls_bypass
from accounts.tenancy import workspace_scope

PURGE_BATCH = 5000
FORGET_BATCH = 5000
USER_AGENT_LENGTH = AuditEntry._meta.get_field("user_agent").max_length

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


class AuditRequestMiddleware:
    """Keeps the request being served where `record()` finds it (address, user agent, signed-in user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with current_request(request):
            return self.get_response(request)


@contextmanager
def current_request(request: HttpRequest | None) -> Iterator[None]:
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def _target_fields(target: models.Model | tuple[str, Any, str] | None) -> dict[str, str]:
    if target is None:
        return {}
    if isinstance(target, tuple):
        kind, pk, label = target
    else:
        kind, pk, label = target._meta.model_name, target.pk, str(target)
    return {"target_type": str(kind)[:40], "target_id": "" if pk is None else str(pk)[:64], "target_label": label[:200]}


def _signed_in(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    # A person who just deleted their own account is still the request's user, unsaved (pk None).
    signed_in = user is not None and user.is_authenticated and isinstance(user, User) and user.pk is not None
    return user if signed_in else None


def record(
    action: str,
    *,
    actor: User | None = None,
    request: HttpRequest | None = None,
    agency: Agency | None = None,
    workspace: Workspace | None = None,
    target: models.Model | tuple[str, Any, str] | None = None,
    actor_email: str = "",
    **details: Any,
) -> AuditEntry:
    """Add one entry; `action` is one of `AuditAction`, `details` anything JSON can hold (dates included)."""
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}: add it to AuditAction first.")
    request = request if request is not None else _request.get()
    actor = actor if actor is not None else _signed_in(request)
    if workspace is not None and agency is None:
        agency = workspace.agency
    entry = AuditEntry(
        agency=agency,
        workspace=workspace,
        actor=actor,
        actor_email=(actor.email if actor is not None else actor_email.lower())[:254],
        action=action,
        details=json.loads(json.dumps(details, cls=DjangoJSONEncoder)),
        ip_address=client_address(request) if request is not None else None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH] if request is not None else "",
        **_target_fields(target),
    )
    # The row's own workspace in scope (row-level security checks it); an agency-level row has none.
    with workspace_scope(workspace) if workspace is not None else rls_bypass():
        entry.save(force_insert=True)
    return entry


# --- Reads ------------------------------------------------------------------------------------


def entries_of_agency(agency: Agency) -> models.QuerySet[AuditEntry]:
    """Every entry of the agency, its workspaces' included (the caller is inside `rls_bypass`)."""
    return AuditEntry.objects.filter(agency=agency).select_related("workspace")


def entries_of_workspace(workspace: Workspace) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(workspace=workspace)


# --- Retention ----------------------------------------------------------------------------------


def _call(function: str, *args: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}({', '.join(['%s'] * len(args))})", list(args))
        return cursor.fetchone()[0]


def purge_expired(*, keep_days: int | None = None, batch: int = PURGE_BATCH) -> int:
    """Delete entries older than AUDIT_RETENTION_DAYS, a batch per short transaction; returns how many."""
    keep_days = settings.AUDIT_RETENTION_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                removed = _call("audit_purge", cutoff, batch)
            else:
                ids = list(
                    AuditEntry.objects.filter(created_at__lt=cutoff).order_by("pk").values_list("pk", flat=True)[:batch]
                )
                removed, _ = AuditEntry.objects.filter(pk__in=ids).delete()
        deleted += removed
        if removed < batch:
            return deleted


def forget_workspace(workspace_id: int, *, batch: int = FORGET_BATCH) -> int:
    """Delete a workspace's entries while it is being deleted (offboarding removes everything of it)."""
    deleted = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                removed = _call("audit_forget_workspace", workspace_id, batch)
            else:
                ids = list(
                    AuditEntry.objects.filter(workspace_id=workspace_id)
                    .exclude(workspace__deleting_since=None)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:batch]
                )
                removed, _ = AuditEntry.objects.filter(pk__in=ids).delete()
        deleted += removed
        if removed < batch:
            return deleted


# --- Sign-in, sign-out and failures (Django's signals; allauth sends them too) ------------------------


def _places(user: User) -> tuple[list[Agency], list[Workspace]]:
    """The agencies whose staff the person is, and the workspaces they are a client member of."""
    agencies = list(Agency.objects.filter(memberships__user=user))
    workspaces = list(
        Workspace.objects.filter(memberships__user=user, deleting_since=None)
        .exclude(agency__in=agencies)
        .select_related("agency")
    )
    return agencies, workspaces


def _record_everywhere(action: str, user: User | None, request, **details: Any) -> None:
    agencies, workspaces = _places(user) if user is not None else ([], [])
    for agency in agencies:
        record(action, actor=user, request=request, agency=agency, **details)
    for workspace in workspaces:
        record(action, actor=user, request=request, workspace=workspace, **details)


@receiver(user_logged_in, dispatch_uid="accounts.audit.signed_in")
def _signed_in_receiver(sender, request, user, **kwargs) -> None:
    _record_everywhere(AuditAction.SIGN_IN, user, request)


@receiver(user_logged_out, dispatch_uid="accounts.audit.signed_out")
def _signed_out_receiver(sender, request, user, **kwargs) -> None:
    if user is not None and user.pk is not None:  # not after deleting one's own account (that is recorded)
        _record_everywhere(AuditAction.SIGN_OUT, user, request)


@receiver(user_login_failed, dispatch_uid="accounts.audit.sign_in_failed")
def _sign_in_failed_receiver(sender, credentials, request=None, **kwargs) -> None:
    # The email tried: Django's own (`username`) or allauth's (`email`); a password is never kept.
    email = str(credentials.get("username") or credentials.get("email") or "")[:254].lower()
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is None:
        record(AuditAction.SIGN_IN_FAILED, request=request, actor_email=email)  # no tenant: kept for operators
        return
    agencies, workspaces = _places(user)
    for agency in agencies:
        record(AuditAction.SIGN_IN_FAILED, request=request, agency=agency, actor_email=email)
    for workspace in workspaces:
        record(AuditAction.SIGN_IN_FAILED, request=request, workspace=workspace, actor_email=email)


# --- Second factors (allauth's signals): who added, removed or renewed one, and refused codes ---------

_FACTOR_ACTIONS = {
    "added": AuditAction.SECOND_FACTOR_ADDED,
    "removed": AuditAction.SECOND_FACTOR_REMOVED,
    "reset": AuditAction.RECOVERY_CODES_RENEWED,
    "failed": AuditAction.SECOND_FACTOR_FAILED,
}


def _factor_receiver(event: str):
    def receive(sender, request, user, authenticator=None, **kwargs) -> None:
        factor = authenticator.get_type_display() if authenticator is not None else ""
        _record_everywhere(_FACTOR_ACTIONS[event], user, request, factor=factor)

    return receive


# Strong references (weak=False): the receivers are made by a function, nothing else holds them.
mfa_signals.authenticator_added.connect(
    _factor_receiver("added"), weak=False, dispatch_uid="accounts.audit.factor_added"
)
mfa_signals.authenticator_removed.connect(
    _factor_receiver("removed"), weak=False, dispatch_uid="accounts.audit.factor_removed"
)
mfa_signals.authenticator_reset.connect(
    _factor_receiver("reset"), weak=False, dispatch_uid="accounts.audit.factor_reset"
)
mfa_signals.authentication_failed.connect(
    _factor_receiver("failed"), weak=False, dispatch_uid="accounts.audit.factor_failed"
)


# --- Offboarding (accounts/offboarding.py calls AUDIT_HOOK(action, actor, **details)) ---------------


def offboarding_hook(action: str, actor: User | None, **details: Any) -> None:
    """Record an offboarding action; a deleted workspace's entries are agency-level (the workspace goes)."""
    slug = details.pop("workspace", None)
    agency_slug = details.pop("agency", None)
    workspace = Workspace.objects.select_related("agency").filter(slug=slug).first() if slug else None
    if action == AuditAction.WORKSPACE_EXPORTED and workspace is not None:
        record(action, actor=actor, workspace=workspace, target=workspace, **details)
    elif action in (AuditAction.WORKSPACE_DELETE, AuditAction.WORKSPACE_DELETED):
        agency = workspace.agency if workspace is not None else Agency.objects.filter(slug=agency_slug).first()
        target = ("workspace", workspace.pk if workspace else "", details.get("name") or slug or "")
        record(action, actor=actor, agency=agency, target=target, workspace_slug=slug, **details)
    else:  # a person deleting their own account: no tenant (their memberships are gone), kept for operators
        record(action, actor=actor, actor_email=details.get("email", ""), **details)
