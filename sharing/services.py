"""Creating, finding, revoking and counting share links."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import F
from django.utils import timezone

from accounts import audit
from accounts.models import AuditAction, Workspace
from accounts.tenancy import workspace_scope
from sharing.models import ShareLink

TOKEN_BYTES = 32  # 256 bits from the OS's generator: unguessable, 43 URL-safe characters


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_link_create(
    *,
    workspace: Workspace,
    name: str,
    target: str,
    campaign=None,
    range_kind: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
    password: str = "",
    expires_at: datetime | None = None,
    allow_personal_data: bool = False,
    created_by=None,
) -> tuple[ShareLink, str]:
    """A new link and its token: the token is returned once and only its hash is stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with workspace_scope(workspace):
        link = ShareLink.objects.create(
            name=name,
            target=target,
            campaign=campaign,
            range_kind=range_kind,
            starts_on=starts_on,
            ends_on=ends_on,
            token_hash=token_hash(token),
            password_hash=make_password(password) if password else "",
            expires_at=expires_at,
            allow_personal_data=allow_personal_data,
            created_by=created_by,
        )
        audit.record(
            AuditAction.SHARE_LINK_CREATED,
            actor=created_by,
            workspace=workspace,
            target=("sharelink", link.pk, name),
            page=target,
            range_kind=range_kind,
            expires_at=expires_at,
            password=bool(password),
            allow_personal_data=allow_personal_data,
        )
    return link, token


def open_link(token: str) -> ShareLink | None:
    """The link a token opens, or None when it is unknown, revoked or expired (all told apart by nobody).

    The one deliberate cross-workspace read of this app: the token is the credential, and its hash
    the only key; the link's workspace then scopes everything the page reads.
    """
    if not token or len(token) > 128:
        return None
    link = (
        ShareLink.objects.unscoped()
        .select_related("workspace", "workspace__agency", "campaign")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return link if link is not None and link.is_open else None


def password_matches(link: ShareLink, password: str) -> bool:
    return bool(link.password_hash) and check_password(password, link.password_hash)


def record_view(link: ShareLink) -> None:
    """One UPDATE, whatever the traffic: no read-modify-write race between simultaneous views."""
    with workspace_scope(link.workspace):
        ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1, last_viewed_at=timezone.now())


def share_link_revoke(link: ShareLink) -> None:
    if link.revoked_at is None:
        with workspace_scope(link.workspace):
            if ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
                audit.record(
                    AuditAction.SHARE_LINK_REVOKED, workspace=link.workspace, target=("sharelink", link.pk, link.name)
                )
