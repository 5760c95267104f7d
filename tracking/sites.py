"""Site keys: created, changed and revoked by workspace admins, looked up by the collector.

With a shared cache (CACHE_URL), the collector reads a key's row from it (one
round trip, no query). Every change replaces the cached row with a mark for
longer than a row is kept, and rows are only ever cached with add(), which
never replaces the mark: a request that read the row just before a revoke
cannot put it back, so a revoked key stops working at once. With the local
memory cache nothing is cached (each process would keep its own copy).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.tenancy import workspace_scope
from tracking.models import SITE_KEY_PREFIX, SiteKey

# How long the collector may reuse a key's row; a change's mark outlives any row cached before it.
SITE_KEY_CACHE_SECONDS = 300
_MISSING = "missing"
_CHANGED = "changed"


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
    _mark_changed(site_key.token)


def site_key_revoke(*, site_key: SiteKey) -> None:
    SiteKey.objects.unscoped().filter(pk=site_key.pk, revoked_at=None).update(revoked_at=timezone.now())
    _mark_changed(site_key.token)


def _shared_cache() -> bool:
    return bool(django_settings.CACHE_URL)


def _mark_changed(token: str) -> None:
    if _shared_cache():
        cache.set(_cache_name(token), _CHANGED, timeout=2 * SITE_KEY_CACHE_SECONDS)


def active_site_key(token: str) -> SiteKey | None:
    """The active key of `token` with its workspace (cached), or None: any workspace's, by design."""
    if not token.startswith(SITE_KEY_PREFIX) or len(token) > 40:
        return None
    name = _cache_name(token) if _shared_cache() else None
    found = None if name is None else cache.get(name)
    if found is None or found == _CHANGED:
        row = (
            SiteKey.objects.unscoped()  # the token names the workspace: nothing is in scope yet
            .select_related("workspace")
            .filter(token=token, revoked_at=None)
            .first()
        )
        if name is not None and found is None:
            cache.add(name, row or _MISSING, timeout=SITE_KEY_CACHE_SECONDS)
        return row
    return None if found == _MISSING else found
