"""What the collector does with an event once the request is accepted: parse it, then write it.

Per page view: the touchpoint (through campaigns.services, which marks the
day for the KPI recompute) and, for a session's first page view only, its
TrackedSession row. Downloads and form submissions belong to the visitor's
current session. Page URLs are kept without their query string or fragment.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from crawleruseragents import is_crawler
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.tenancy import workspace_scope
from campaigns import intake
from campaigns.intake import TRACKING, Source
from campaigns.models import Campaign, Lead, TouchpointKind
from campaigns.services import lead_upsert_batch, run_in_transaction, touchpoint_upsert_batch
from campaigns.validation import Invalid, text, url
from tracking import channels, privacy
from tracking.models import CampaignValue, SiteKey, TrackedSession

KINDS = {
    "pageview": TouchpointKind.PAGE_VIEW,
    "download": TouchpointKind.CONTENT_DOWNLOAD,
    "form": TouchpointKind.FORM_SUBMIT,
    "outbound": None,  # counted on the session, no touchpoint
}
MAX_VALUE = 100  # UTM values and campaign parameter values


class BadEvent(ValueError):
    pass


@dataclass(frozen=True)
class Event:
    kind: str
    url: str  # the page
    referrer: str = ""
    target: str = ""  # a download's or outbound link's address
    email: str = ""
    opted_out: bool = False  # the browser says Do Not Track or Global Privacy Control


def parse_event(body: bytes) -> Event:
    """The event a body holds; BadEvent (a message for the 400) for anything else."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise BadEvent("The body is not JSON.") from error
    if not isinstance(data, dict):
        raise BadEvent("The body must be a JSON object.")
    kind = data.get("e")
    if not isinstance(kind, str) or kind not in KINDS:
        raise BadEvent(f"e must be one of {', '.join(KINDS)}.")
    values: dict[str, str] = {}
    for name, field, parse in (
        ("u", "url", url),
        ("r", "referrer", url),
        ("h", "target", url),
        ("m", "email", text(254)),
    ):
        try:
            values[field] = parse(data.get(name, "")) if data.get(name) is not None else ""
            if parse is url and values[field]:
                urlsplit(values[field]).port  # noqa: B018  (a port out of range raises ValueError)
        except (Invalid, ValueError) as error:  # urlsplit's ValueError: "http://[::1" and the like
            raise BadEvent(f"{name}: {error}") from error
    if not values["url"]:
        raise BadEvent("u (the page's URL) is required.")
    if kind in ("download", "outbound") and not values["target"]:
        raise BadEvent("h (the link's URL) is required for downloads and outbound clicks.")
    return Event(kind=kind, opted_out=data.get("d") == 1, **values)


@functools.lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    """A crawler's user agent (the crawler-user-agents list), or none at all."""
    return not user_agent.strip() or is_crawler(user_agent)


def _without_query(address: str) -> str:
    parts = urlsplit(address)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def _first(query: dict[str, list[str]], name: str) -> str:
    """A query parameter's first value, decoded, without control characters (%00 would be a NUL)."""
    value = (query.get(name) or [""])[0]
    return "".join(c for c in value if c >= " ").strip()[:MAX_VALUE]


def _campaign_of(value: str) -> str | None:
    """The external_id of the campaign a campaign parameter's value names (by external_id, name or an
    admin's mapping); an unknown value is listed for mapping (CampaignValue) and names none."""
    if not value:
        return None
    found = Campaign.objects.filter(external_id=value).values_list("external_id", flat=True).first()
    found = found or Campaign.objects.filter(name__iexact=value).values_list("external_id", flat=True).first()
    if found:
        return found
    mapped = CampaignValue.objects.filter(value=value).values_list("campaign__external_id", "pk").first()
    if mapped is None:
        try:
            with transaction.atomic():
                CampaignValue.objects.create(value=value, sessions=1)
        except IntegrityError:  # listed meanwhile by another request
            CampaignValue.objects.filter(value=value).update(sessions=F("sessions") + 1)
        return None
    if mapped[0] is None:
        CampaignValue.objects.filter(pk=mapped[1]).update(sessions=F("sessions") + 1)
    return mapped[0]


def _start_session(site_key: SiteKey, event: Event, now) -> privacy.SessionState:
    page = urlsplit(event.url)
    query = parse_qs(page.query)
    referrer_host = (urlsplit(event.referrer).hostname or "") if event.referrer else ""
    if referrer_host == page.hostname:
        referrer_host = ""  # a page of the site itself: the session started here
    source, medium = _first(query, "utm_source"), _first(query, "utm_medium")
    value = _first(query, site_key.campaign_parameter)
    campaign = _campaign_of(value)
    state = privacy.new_session(campaign)
    channel = channels.classify(
        source=source,
        medium=medium,
        referrer_host=referrer_host,
        paid_click=any(name in query for name in channels.PAID_CLICK_PARAMETERS),
    )
    TrackedSession.objects.create(
        site_key=site_key,
        session_id=state.session_id,
        started_at=now,
        started_on=now.astimezone(site_key.workspace.tz).date(),
        landing_path=(page.path or "/")[:500],
        referrer_host=referrer_host[:255],
        utm_source=source,
        utm_medium=medium,
        utm_campaign=value,
        channel=channel,
        campaign=Campaign.objects.filter(external_id=campaign).first() if campaign else None,
    )
    return state


def _lead_for(workspace, email: str, campaign: str | None, now, source: Source | None = None) -> str | None:
    """The external_id of the lead with this email, created if none has it; None for no valid email."""
    try:
        validate_email(email)
    except ValidationError:
        return None
    found = Lead.objects.filter(email__iexact=email).order_by("pk").values_list("external_id", flat=True).first()
    if found:
        return found
    external_id = "web-" + hashlib.sha256(email.lower().encode()).hexdigest()[:24]
    item: dict[str, Any] = {"external_id": external_id, "email": email, "created_at": now.isoformat()}
    if campaign:
        item["source_campaign"] = campaign
    lead_upsert_batch(workspace=workspace, items=[item], source=source)
    return external_id


def count_refused(site_key: SiteKey) -> None:
    """A refused event (a 400) counts as rejected in data health: a broken snippet shows there."""
    source = Source(TRACKING, str(site_key.pk))
    intake.record(workspace=site_key.workspace, source=source, resource="touchpoints", rejected=1)


def record(site_key: SiteKey, event: Event, *, address: str, user_agent: str) -> None:
    """Write `event` for `site_key`'s workspace (see the module), in one transaction run again whole if
    the database undoes it for a concurrent one; a page view's session state is kept as it commits."""
    workspace = site_key.workspace
    source = Source(TRACKING, str(site_key.pk))  # data health's count of what this site sent
    now = timezone.now()
    visitor = privacy.visitor_id(site_token=site_key.token, address=address, user_agent=user_agent)
    kept: list[bool] = []

    def keep(state: privacy.SessionState) -> None:
        privacy.keep_session(visitor, state)
        kept.append(True)

    def write() -> privacy.SessionState | None:
        state = privacy.current_session(visitor)
        if event.kind == "pageview":
            state = state or _start_session(site_key, event, now)
            # Kept as the transaction commits, before the recompute its touchpoint queues after commit (run in
            # this request when tasks run in-process): the visitor's next page view may already be on its way.
            transaction.on_commit(functools.partial(keep, state), robust=True)
        elif event.kind == "outbound":
            if state is not None:
                TrackedSession.objects.filter(session_id=state.session_id).update(
                    outbound_clicks=F("outbound_clicks") + 1
                )
            return state
        item: dict[str, Any] = {
            "kind": KINDS[event.kind].value,
            "occurred_at": now.isoformat(),
            "visitor_id": visitor,
            "session_id": state.session_id if state else "",
            "url": _without_query(event.target or event.url),
        }
        if state is not None and state.campaign:
            item["campaign"] = state.campaign
        if event.kind == "form" and site_key.capture_forms and event.email:
            lead = _lead_for(workspace, event.email, state.campaign if state else None, now, source)
            if lead:
                item["lead"] = lead
        touchpoint_upsert_batch(workspace=workspace, items=[item], source=source)
        return state

    with workspace_scope(workspace):
        state = run_in_transaction(write)
    if event.kind == "pageview" and state is not None and not kept:  # a transaction not ours, still open
        privacy.keep_session(visitor, state)
