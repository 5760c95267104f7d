"""The daily digest: per person, what moved most across their clients and what needs attention.

Content, for the workspaces the person reaches (accounts.selectors.workspaces_for_user):
- *movers*: the headline KPIs whose last 7 days (each client's local days up to
  yesterday) moved most against the 7 days before, relative change of at least
  20 %, the five largest (summed in SQL from the rollups, one read per client);
- *needs attention*: every `kpis.attention` provider's items (stale sources,
  targets off pace, firing alert rules where that app is installed).

Nothing to say (no mover, no item) sends nothing: a quiet day is no email. Each
person gets at most one per local day: a DigestDelivery row for (person, day) is
claimed before sending, and a claim that exists already stops a second send.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.branding import PRODUCT_BRAND, Brand, brand_for_agency
from accounts.formatting import number_locale
from accounts.models import User, Workspace
from accounts.selectors import workspaces_for_user
from accounts.tenancy import workspace_scope
from health.models import DigestDelivery, DigestSubscription
from kpis import attention, display, selectors
from kpis.catalog import KPIS
from kpis.periods import Period

logger = logging.getLogger(__name__)

HEADLINE_KPIS = ("spend", "leads", "cpl", "mqls", "sqos", "open_deals", "won_revenue", "roi")
MIN_CHANGE = 0.2
MAX_MOVERS = 5


@dataclass(frozen=True)
class Mover:
    workspace: Workspace
    kpi: str
    previous: object
    current: object
    change: float  # relative: 0.5 = +50 %
    url: str

    @property
    def label(self) -> str:
        return KPIS[self.kpi].label

    @property
    def text(self) -> str:
        with number_locale(self.workspace.number_locale):
            before = display.format_kpi(self.kpi, self.previous, self.workspace.currency)
            after = display.format_kpi(self.kpi, self.current, self.workspace.currency)
        direction = "up" if self.change > 0 else "down"
        return f"{self.workspace.name}: {self.label} {direction} {abs(self.change) * 100:.0f} % ({before} → {after})"


@dataclass
class Digest:
    user: User
    day: date
    brand: Brand
    movers: list[Mover] = field(default_factory=list)
    items: list[attention.AttentionItem] = field(default_factory=list)
    workspaces: dict[int, Workspace] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.movers and not self.items

    def absolute(self, url: str) -> str:
        return url if "://" in url or not url else self.brand.base_url + url


def _local_yesterday(workspace: Workspace, now: datetime) -> date:
    return now.astimezone(workspace.tz).date() - timedelta(days=1)


def movers(workspaces: list[Workspace], now: datetime) -> list[Mover]:
    """The largest relative changes of the headline KPIs, last 7 days against the 7 before."""
    found: list[Mover] = []
    for ws in workspaces:
        last_day = _local_yesterday(ws, now)
        last = Period(last_day - timedelta(days=6), last_day)
        previous = Period(last_day - timedelta(days=13), last_day - timedelta(days=7))
        with workspace_scope(ws):
            before, after = selectors.kpis_for_periods(
                workspace=ws, periods=[(previous.first, previous.last), (last.first, last.last)], metrics=HEADLINE_KPIS
            )
        url = reverse("workspace-home", args=[ws.slug])
        for kpi in HEADLINE_KPIS:
            old, new = before.get(kpi), after.get(kpi)
            if old is None or new is None or not old:
                continue
            change = float((new - old) / abs(old))
            if abs(change) >= MIN_CHANGE:
                found.append(Mover(ws, kpi, old, new, change, url))
    found.sort(key=lambda m: (-abs(m.change), m.workspace.name, m.kpi))
    return found[:MAX_MOVERS]


def _brand(workspaces: list[Workspace]) -> Brand:
    """The agency's brand when every client is one agency's; the product's for a person across agencies."""
    agencies = {ws.agency_id: ws.agency for ws in workspaces}
    return brand_for_agency(next(iter(agencies.values()))) if len(agencies) == 1 else PRODUCT_BRAND


def build(user: User, day: date, now: datetime) -> Digest:
    workspaces = list(workspaces_for_user(user=user))
    digest = Digest(user=user, day=day, brand=_brand(workspaces), workspaces={ws.pk: ws for ws in workspaces})
    if workspaces:
        digest.movers = movers(workspaces, now)
        reachable = set(digest.workspaces)
        # Only items of reachable workspaces, whatever a provider returns.
        digest.items = [i for i in attention.collect(workspaces) if i.workspace_id in reachable]
    return digest


def compose(digest: Digest) -> EmailMultiAlternatives:
    brand = digest.brand
    context = {
        "digest": digest,
        "brand": brand,
        "logo": brand.logo_absolute_url,
        "movers": [(m, digest.absolute(m.url)) for m in digest.movers],
        "items": [(i, digest.absolute(i.url)) for i in digest.items],
        "settings_url": digest.absolute(reverse("digest-settings")),
    }
    message = EmailMultiAlternatives(
        subject=f"Your clients today — {digest.day:%d %b %Y}",
        body=render_to_string("health/digest_email.txt", context),
        from_email=brand.from_email,
        to=[digest.user.email],
        reply_to=brand.reply_to_list or None,
    )
    message.attach_alternative(render_to_string("health/digest_email.html", context), "text/html")
    return message


def _claim(user: User, day: date) -> DigestDelivery | None:
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(user=user, day=day)
    except IntegrityError:
        return None  # claimed already: sent (or being sent) today


def send_for(subscription: DigestSubscription, now: datetime) -> bool:
    """Send this person's digest for their local day if it is due and not yet claimed; True when one was sent."""
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(subscription.time_zone))
    if not subscription.enabled or local.hour < subscription.hour:
        return False
    user = subscription.user
    if not user.is_active or DigestDelivery.objects.filter(user=user, day=local.date()).exists():
        return False
    digest = build(user, local.date(), now)
    claim = _claim(user, local.date())
    if claim is None:
        return False
    claim.items = len(digest.movers) + len(digest.items)
    if digest.is_empty:
        claim.save(update_fields=["items"])
        return False
    try:
        compose(digest).send(fail_silently=False)
    except Exception:
        logger.exception("Daily digest to user %s failed", user.pk)
        claim.delete()  # the next tick tries again
        return False
    claim.sent_at = now
    claim.save(update_fields=["items", "sent_at"])
    return True


def send_due(now: datetime) -> int:
    """Beat's tick: every opted-in person whose hour has come and who has no digest for today yet."""
    sent = 0
    for subscription in DigestSubscription.objects.filter(enabled=True).select_related("user"):
        sent += send_for(subscription, now)
    return sent
