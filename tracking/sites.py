"""Site keys: created, changed and revoked by workspace admins, looked up by the collector.

The collector reads a key through the shared cache (one round trip); every
change deletes the cached copy, so a revoked key stops working at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.tenancy import workspace_scope
from tracking.models import SITE_KEY_PREFIX, SiteKey

# How long the collector may reuse a key it read (a change or revocation deletes the copy at once).
SITE_KEY_CACHE_SECONDS = 300
_MISSING = "missing"


@dataclass(frozen=True)
class SiteSettings:
    name: str
    allowed_origins: list[str]
    honour_dnt: bool
    capture_forms: bool
    campaign_parameter: str


def _cache_name(token: str) -> str:
    return f"tracking:site:{token}"


def new_token() -> str:
    """A publishable token: no underscore, so it can never parse as an API key (mk_<prefix>_<secret>)."""
    return SITE_KEY_PREFIX + secrets.token_hex(12)


def site_key_create(*, workspace: Workspace, settings: SiteSettings, created_by: User | None = None) -> SiteKey:
    with workspace_scope(workspace):
        return SiteKey.objects.create(token=new_token(), created_by=created_by, **settings.__dict__)


def site_key_update(*, site_key: SiteKey, settings: SiteSettings) -> None:
    for name, value in settings.__dict__.items():
        setattr(site_key, name, value)
    site_key.save(update_fields=list(settings.__dict__))
    cache.delete(_cache_name(site_key.token))


def site_key_revoke(*, site_key: SiteKey) -> None:
    SiteKey.objects.unscoped().filter(pk=site_key.pk, revoked_at=None).update(revoked_at=timezone.now())
    cache.delete(_cache_name(site_key.token))


def active_site_key(token: str) -> SiteKey | None:
    """The active key of `token` with its workspace (cached), or None: any workspace's, by design."""
    if not token.startswith(SITE_KEY_PREFIX) or len(token) > 40:
        return None
    name = _cache_name(token)
    found = cache.get(name)
    if found is None:
        found = (
            SiteKey.objects.unscoped()  # the token names the workspace: nothing is in scope yet
            .select_related("workspace")
            .filter(token=token, revoked_at=None)
            .first()
        ) or _MISSING
        cache.set(name, found, timeout=SITE_KEY_CACHE_SECONDS)
    return None if found == _MISSING else found
