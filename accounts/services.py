"""Writes about people and tenants. Each service is one transaction."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from accounts import audit
from accounts.branding import brand_for_agency, brand_for_workspace
from accounts.formatting import DEFAULT_LOCALE
from accounts.logos import delete_logo
from accounts.models import (
    Agency,
    AgencyMembership,
    AgencyRole,
    ApiKey,
    AuditAction,
    Invitation,
    User,
    Workspace,
    WorkspaceMembership,
    WorkspaceRole,
)
from accounts.tenancy import workspace_scope

API_KEY_PREFIX = "mk"


def _unique_slug(model: type, name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def agency_signup(*, agency_name: str, email: str, password: str, full_name: str = "") -> tuple[User, Agency]:
    """A new agency with the signing-up person as its owner."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    agency = agency_create(name=agency_name, owner=user)
    return user, agency


@transaction.atomic
def agency_create(*, name: str, owner: User) -> Agency:
    agency = Agency.objects.create(name=name, slug=_unique_slug(Agency, name))
    AgencyMembership.objects.create(agency=agency, user=owner, role=AgencyRole.OWNER)
    return agency


@transaction.atomic
def workspace_create(
    *,
    agency: Agency,
    name: str,
    currency: str = "USD",
    time_zone: str = "UTC",
    number_locale: str = DEFAULT_LOCALE,
) -> Workspace:
    workspace = Workspace(
        agency=agency,
        name=name,
        slug=_unique_slug(Workspace, name),
        currency=currency,
        time_zone=time_zone,
        number_locale=number_locale,
    )
    workspace.full_clean()
    workspace.save()
    return workspace


def invitation_create(
    *, agency: Agency, email: str, role: str, invited_by: User | None, workspace: Workspace | None = None
) -> Invitation:
    """Invite someone to the agency's staff, or to one workspace; the email goes out after commit."""
    from accounts.tasks import send_invitation_task

    valid_roles = WorkspaceRole.values if workspace else AgencyRole.values
    if role not in valid_roles or role == AgencyRole.OWNER:
        raise ValueError(f"Role {role!r} cannot be given by invitation.")
    with transaction.atomic():
        invitation = Invitation.objects.create(
            agency=agency,
            workspace=workspace,
            email=email.lower(),
            role=role,
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        audit.record(
            AuditAction.INVITATION_SENT,
            actor=invited_by,
            agency=agency,
            workspace=workspace,
            target=("invitation", invitation.pk, invitation.email),
            email=invitation.email,
            role=role,
        )
        transaction.on_commit(lambda: send_invitation_task.delay(invitation.pk))
    return invitation


def invitation_url(token: str, base_url: str | None = None) -> str:
    """The link in an invitation: on the agency's own host when it has one the site answers on."""
    return f"{base_url or settings.SITE_URL}/invitations/{token}/"


def invitation_send(*, invitation_id: int) -> None:
    """Email the invitation with a fresh token (only its hash is kept); quietly skip a dead one."""
    invitation = Invitation.objects.select_related("agency", "workspace", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return
    token = secrets.token_urlsafe(32)
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=_token_hash(token), sent_at=timezone.now())
    brand = (
        brand_for_workspace(invitation.workspace) if invitation.workspace_id else brand_for_agency(invitation.agency)
    )
    context = {"invitation": invitation, "url": invitation_url(token, brand.base_url), "brand": brand}
    EmailMessage(
        subject=f"You are invited to {invitation.target_name} on {brand.name}",
        body=render_to_string("accounts/email/invitation.txt", context),
        from_email=brand.from_email,
        to=[invitation.email],
        reply_to=brand.reply_to_list,
    ).send()


def invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("agency", "workspace").filter(token_hash=_token_hash(token)).first()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> None:
    """Give the user the invited role (never lowering a role they already hold)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValueError("This invitation has expired or was already used.")
    if invitation.workspace_id:
        membership, created = WorkspaceMembership.objects.get_or_create(
            workspace_id=invitation.workspace_id, user=user, defaults={"role": invitation.role}
        )
        if not created and _workspace_rank(invitation.role) > _workspace_rank(membership.role):
            membership.role = invitation.role
            membership.save(update_fields=["role"])
    else:
        membership, created = AgencyMembership.objects.get_or_create(
            agency_id=invitation.agency_id, user=user, defaults={"role": invitation.role}
        )
        if not created and membership.role == AgencyRole.MEMBER and invitation.role == AgencyRole.ADMIN:
            membership.role = AgencyRole.ADMIN
            membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        AuditAction.INVITATION_ACCEPTED,
        actor=user,
        agency=invitation.agency,
        workspace=invitation.workspace,
        target=("invitation", invitation.pk, invitation.email),
        role=invitation.role,
    )


def _workspace_rank(role: str) -> int:
    return [WorkspaceRole.VIEWER, WorkspaceRole.EDITOR, WorkspaceRole.ADMIN].index(role)


@transaction.atomic
def invitation_accept_as_new_user(*, invitation: Invitation, password: str, full_name: str = "") -> User:
    user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
    invitation_accept(invitation=invitation, user=user)
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    if Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=timezone.now()):
        audit.record(
            AuditAction.INVITATION_REVOKED,
            agency=invitation.agency,
            workspace=invitation.workspace,
            target=("invitation", invitation.pk, invitation.email),
        )


def workspace_membership_set_role(*, membership: WorkspaceMembership, role: str) -> None:
    if role not in WorkspaceRole.values:
        raise ValueError(f"Unknown role {role!r}.")
    old = membership.role
    with transaction.atomic():
        membership.role = role
        membership.save(update_fields=["role"])
        _record_role_change(membership, old, workspace=membership.workspace)


def _record_role_change(membership, old: str, **place) -> None:
    if old != membership.role:
        audit.record(
            AuditAction.ROLE_CHANGED,
            target=("user", membership.user_id, membership.user.email),
            old=old,
            new=membership.role,
            **place,
        )


@transaction.atomic
def workspace_membership_remove(*, membership: WorkspaceMembership) -> None:
    membership.delete()
    audit.record(
        AuditAction.MEMBER_REMOVED,
        workspace=membership.workspace,
        target=("user", membership.user_id, membership.user.email),
        role=membership.role,
    )


def agency_membership_set_role(*, membership: AgencyMembership, role: str) -> None:
    if membership.role == AgencyRole.OWNER or role not in (AgencyRole.ADMIN, AgencyRole.MEMBER):
        raise ValueError("The owner's role cannot be changed, and nobody can be made owner here.")
    old = membership.role
    with transaction.atomic():
        membership.role = role
        membership.save(update_fields=["role"])
        _record_role_change(membership, old, agency=membership.agency)


def agency_membership_remove(*, membership: AgencyMembership) -> None:
    if membership.role == AgencyRole.OWNER:
        raise ValueError("The agency owner cannot be removed.")
    with transaction.atomic():
        membership.delete()
        audit.record(
            AuditAction.MEMBER_REMOVED,
            agency=membership.agency,
            target=("user", membership.user_id, membership.user.email),
            role=membership.role,
        )


# API keys: "mk_<prefix>_<secret>". The prefix is shown in lists and finds the
# row; only a SHA-256 of the whole key is stored (the secret is 256 random
# bits, so a slow hash adds nothing but latency to every request).


def _api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(*, workspace: Workspace, name: str, created_by: User | None = None) -> tuple[ApiKey, str]:
    """A new key; the raw key is returned once and never stored."""
    for _attempt in range(5):
        prefix = secrets.token_hex(4)
        raw_key = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic(), workspace_scope(workspace):
                key = ApiKey.objects.create(
                    name=name, prefix=prefix, secret_hash=_api_key_hash(raw_key), created_by=created_by
                )
                audit.record(
                    AuditAction.API_KEY_CREATED,
                    actor=created_by,
                    workspace=workspace,
                    target=("apikey", key.pk, str(key)),
                )
            # A prefix is unique among existing keys only: whatever the cache recalls of a deleted key that
            # had it (its row, or its revocation mark) must not shadow the new one.
            cache.delete(_key_cache_name(prefix))
            return key, raw_key
        except IntegrityError:
            continue
    raise RuntimeError("Could not allocate a unique API key prefix.")


# With a shared cache (CACHE_URL: every web process sees the same one), a key's
# row is kept there for a minute, so that a request, a throttled one above all,
# costs no database round trip before its budget is checked.
#
# Revoking replaces the row with a revocation mark, and a row is only ever put
# in the cache with add() (set if absent), never set(): a request that read the
# row from the database before the revoke, and writes it after, cannot replace
# the mark. Revocation so holds from the moment api_key_revoke returns, whatever
# the requests in flight do. The mark outlives by far the longest a request may
# take between its read and its write (a stalled one's row is not cached at all).
API_KEY_CACHE_SECONDS = 60
API_KEY_REVOKED_MARK_SECONDS = 24 * 60 * 60
_TRUSTED_READ_SECONDS = 10  # a row read longer ago than this (a stalled request) is not cached
_REVOKED = "revoked"
_CACHED_KEY_FIELDS = ("id", "workspace_id", "name", "prefix", "secret_hash", "last_used_at")
_USE_RECORDED_SECONDS = 60


def _key_cache_name(prefix: str) -> str:
    return f"api-key:{prefix}"


def _key_use_name(prefix: str) -> str:
    """When the key's use was last recorded (api_key_touch): the cached row is never rewritten for it."""
    return f"api-key-used:{prefix}"


def _key_cache_shared() -> bool:
    return bool(settings.CACHE_URL)


def _cached_key(prefix: str) -> ApiKey | str | None:
    """The key's row as the shared cache holds it, _REVOKED if revoked since, None if not cached (or no
    shared cache). One round trip: the row and when its use was last recorded."""
    if not _key_cache_shared():
        return None
    name, used = _key_cache_name(prefix), _key_use_name(prefix)
    found = cache.get_many([name, used])
    if found.get(name) == _REVOKED:
        return _REVOKED
    key = _key_from_fields(found.get(name))
    if key is not None and found.get(used) is not None:
        key.last_used_at = max(filter(None, [key.last_used_at, found[used]]))
    return key


def _key_from_fields(fields: dict | str | None) -> ApiKey | None:
    """The key a cached row gives; None for no row, or for the revocation mark."""
    return ApiKey(**fields) if isinstance(fields, dict) else None


def _active_key(prefix: str) -> ApiKey | None:
    key = _cached_key(prefix)
    if key == _REVOKED:
        return None
    if key is not None:
        return key
    read_at = time.monotonic()
    # Cross-workspace by necessity: the key is what tells us the workspace.
    key = ApiKey.objects.unscoped().filter(prefix=prefix, revoked_at=None).first()
    if key is not None:
        _remember_key(key, read_at=read_at)
    return key


def _remember_key(key: ApiKey, *, read_at: float) -> None:
    """Cache the row read at `read_at` (time.monotonic), unless a revoke has marked the entry since (add()
    never replaces it) or the read is too old to be sure the mark is still there."""
    if _key_cache_shared() and time.monotonic() - read_at < _TRUSTED_READ_SECONDS:
        fields = {name: getattr(key, name) for name in _CACHED_KEY_FIELDS}
        cache.add(_key_cache_name(key.prefix), fields, timeout=API_KEY_CACHE_SECONDS)


def _key_prefix(raw_key: str) -> str | None:
    parts = raw_key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    return parts[1]


def _matching(key: ApiKey | None, raw_key: str) -> ApiKey | None:
    """`key` if `raw_key` is its secret (compared in constant time), else None."""
    if key is None or not hmac.compare_digest(key.secret_hash, _api_key_hash(raw_key)):
        return None
    return key


def api_key_verify(raw_key: str) -> ApiKey | None:
    """The active key matching `raw_key`, compared in constant time, or None."""
    prefix = _key_prefix(raw_key)
    return None if prefix is None else _matching(_active_key(prefix), raw_key)


def api_key_cache_entry(raw_key: str) -> str | None:
    """The shared cache's entry for `raw_key`'s row, for a caller that reads it along with other entries in
    one round trip (api_key_from_cache_entry then checks it); None if not a key or no shared cache."""
    prefix = _key_prefix(raw_key)
    if prefix is None or not _key_cache_shared():
        return None
    return _key_cache_name(prefix)


def api_key_from_cache_entry(raw_key: str, fields: dict | None) -> ApiKey | None:
    """The key the cached row `fields` (read from api_key_cache_entry) gives, if `raw_key` is its secret.
    None for a row not cached or a revoked key's mark: only api_key_verify can tell which."""
    return _matching(_key_from_fields(fields), raw_key)


def api_key_touch(*, key: ApiKey) -> None:
    """Record use, at most once a minute per key, so reads do not write every time."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at <= timedelta(minutes=1):
        return
    # With a shared cache, the first request of the minute records it, whichever process it reaches; the
    # note is read along with the cached row, which is never rewritten here (it could be revoked by now).
    if _key_cache_shared() and not cache.add(_key_use_name(key.prefix), now, timeout=_USE_RECORDED_SECONDS):
        return
    ApiKey.objects.unscoped().filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now


def api_key_revoke(*, key: ApiKey) -> None:
    with transaction.atomic():
        if ApiKey.objects.unscoped().filter(pk=key.pk, revoked_at=None).update(revoked_at=timezone.now()):
            workspace = Workspace.objects.select_related("agency").get(pk=key.workspace_id)
            audit.record(AuditAction.API_KEY_REVOKED, workspace=workspace, target=("apikey", key.pk, str(key)))
    # Replaces any cached row; no request that read the row before can put it back (see _remember_key).
    cache.set(_key_cache_name(key.prefix), _REVOKED, timeout=API_KEY_REVOKED_MARK_SECONDS)


@transaction.atomic
def provision(
    *,
    agency_name: str,
    workspace_name: str,
    owner_email: str,
    password: str | None = None,
    currency: str = "USD",
    time_zone: str = "UTC",
) -> tuple[Agency, Workspace, str]:
    """Create whatever is missing of owner, agency and workspace; always issue a new API key."""
    owner = User.objects.filter(email__iexact=owner_email).first()
    if owner is None:
        owner = User.objects.create_user(email=owner_email, password=password)
    elif password:
        owner.set_password(password)
        owner.save(update_fields=["password"])
    agency = Agency.objects.filter(memberships__user=owner, name=agency_name).first()
    if agency is None:
        agency = agency_create(name=agency_name, owner=owner)
    workspace = agency.workspaces.filter(name=workspace_name).first()
    if workspace is None:
        workspace = workspace_create(agency=agency, name=workspace_name, currency=currency, time_zone=time_zone)
    _key, raw_key = api_key_create(workspace=workspace, name="provisioned", created_by=owner)
    return agency, workspace, raw_key


def brand_logo_set(*, owner: Agency | Workspace, logo: ContentFile | None, remove: bool) -> None:
    """Store a new (already re-encoded) logo of an agency or workspace, or remove it; the old file goes."""
    old = owner.brand_logo.name
    if logo is not None:
        owner.brand_logo.save(logo.name, logo, save=False)
    elif remove:
        owner.brand_logo = ""
    else:
        return
    owner.save(update_fields=["brand_logo"])
    place = {"workspace": owner} if isinstance(owner, Workspace) else {"agency": owner}
    audit.record(AuditAction.BRAND_CHANGED, fields=["brand_logo"], logo="removed" if logo is None else "new", **place)
    if old and old != owner.brand_logo.name:
        transaction.on_commit(lambda: delete_logo(old))


def agency_brand_update(*, form, agency: Agency) -> Agency:
    """Save an agency's brand settings and logo together."""
    with transaction.atomic():
        form.save()
        fields = [name for name in form.changed_data if name not in ("logo", "remove_logo")]
        if fields:
            audit.record(
                AuditAction.BRAND_CHANGED,
                agency=agency,
                fields=fields,
                values={f: form.cleaned_data.get(f) for f in fields},
            )
        brand_logo_set(owner=agency, logo=form.cleaned_data.get("logo"), remove=form.cleaned_data.get("remove_logo"))
    return agency
