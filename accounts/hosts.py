"""An agency's own host name: which agency a request's host belongs to, cached.

Pages ask on every request, so the answer (an agency and its brand, or none)
is kept in the cache and dropped whenever an agency is saved with, or moved
away from, that host.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.branding import Brand, brand_for_agency
from accounts.models import Agency

HOST_CACHE_SECONDS = 300


@dataclass(frozen=True)
class HostAgency:
    """The agency whose own host name a request came in on."""

    agency_id: int
    slug: str
    brand: Brand


def _key(host: str) -> str:
    return f"brand:host:{host}"


def agency_for_host(host: str) -> HostAgency | None:
    """The agency serving under `host` (a bare, lower-case host name), or None."""
    cached = cache.get(_key(host))
    if cached is not None:
        return cached or None
    agency = Agency.objects.filter(custom_host=host).first()
    found = HostAgency(agency.pk, agency.slug, brand_for_agency(agency)) if agency else None
    cache.set(_key(host), found or False, HOST_CACHE_SECONDS)
    return found


def forget_host(*hosts: str | None) -> None:
    """Drop cached answers for these hosts (now, and again once the change is committed)."""
    keys = [_key(h) for h in hosts if h]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


@receiver(pre_save, sender=Agency, dispatch_uid="accounts.hosts.remember_old_host")
def _remember_old_host(sender, instance: Agency, **kwargs) -> None:
    instance._old_custom_host = (
        Agency.objects.filter(pk=instance.pk).values_list("custom_host", flat=True).first() if instance.pk else None
    )


@receiver(post_save, sender=Agency, dispatch_uid="accounts.hosts.forget_on_save")
def _forget_on_save(sender, instance: Agency, **kwargs) -> None:
    forget_host(getattr(instance, "_old_custom_host", None), instance.custom_host)


@receiver(post_delete, sender=Agency, dispatch_uid="accounts.hosts.forget_on_delete")
def _forget_on_delete(sender, instance: Agency, **kwargs) -> None:
    forget_host(instance.custom_host)
