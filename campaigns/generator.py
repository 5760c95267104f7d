"""Realistic B2B marketing data for a workspace, deterministic from a seed.

`WorkspaceGenerator` streams the rows of one workspace table by table
(campaigns, spend, accounts, leads, deals, touchpoints) as plain tuples that
reference each other by index; nothing but a few compact per-lead arrays is
kept in memory, so `medium` (3 million touchpoints) and `large` stream as
easily as `demo`. Three sinks turn the same rows into database rows or API
payloads:

- `load_orm()`: Django `bulk_create` in batches (SQLite and PostgreSQL), used
  by `seed_demo` and `manage.py seed_workspace`;
- `load_copy()`: PostgreSQL `COPY` through psycopg 3 (fast), used by the bench;
- `api_batches()`: JSON-ready dicts in the shapes of shared/API.md, in batches
  of up to 1,000, for the ingestion figure and the API round-trip test.

The same seed, scale, time zone and `until` give the same rows, whatever the sink.
"""

from __future__ import annotations

import bisect
import math
import random
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

DAY = 86_400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


# --------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class Scale:
    campaigns: int
    accounts: int
    leads: int
    deals: int
    touchpoints: int
    days: int

    def longer(self, factor: int) -> Scale:
        """`factor` times the history at the same daily volume (the bench's freshness against history)."""
        return replace(self.times(factor), campaigns=self.campaigns * factor, days=self.days * factor)

    def times(self, factor: int) -> Scale:
        """The same history with `factor` times the volume (the bench's scaling figures)."""
        return replace(
            self,
            campaigns=self.campaigns * factor,
            accounts=self.accounts * factor,
            leads=self.leads * factor,
            deals=self.deals * factor,
            touchpoints=self.touchpoints * factor,
        )


_MEDIUM = Scale(campaigns=200, accounts=50_000, leads=300_000, deals=30_000, touchpoints=3_000_000, days=730)
SCALES: dict[str, Scale] = {
    "tiny": Scale(campaigns=12, accounts=30, leads=120, deals=15, touchpoints=1_500, days=60),
    "demo": Scale(campaigns=15, accounts=300, leads=2_000, deals=200, touchpoints=40_000, days=183),
    "small": Scale(campaigns=20, accounts=2_000, leads=10_000, deals=1_000, touchpoints=100_000, days=183),
    "medium": _MEDIUM,
    "large": _MEDIUM.times(4),
}


# --------------------------------------------------------------------------- rows
# Plain tuples, fields by position (fast to build and to render). References are
# indexes into the other tables (None: no reference); timestamps are Unix seconds
# (UTC), local dates are date ordinals in the workspace's time zone; money in cents.

# (idx, external_id, name, channel, is_abm, starts_on, ends_on|None, budget_cents)
CampaignRow = tuple
# (campaign_idx, day, cost_cents, impressions, clicks)
SpendRow = tuple
# (idx, external_id, name, domain, industry, employees, is_target)
AccountRow = tuple
# (idx, external_id, email, account_idx|None, campaign_idx|None, created, mql|None, sql|None, sqo|None)
LeadRow = tuple
# (idx, external_id, account_idx, lead_idx|None, campaign_idx|None, name, amount_cents, mrr_cents,
#  status, created, closed|None, churned|None)
DealRow = tuple
# (kind, occurred, campaign_idx|None, lead_idx|None, account_idx|None, visitor_id, session_id, url, external_id|None)
TouchpointRow = tuple

TABLES = ("campaigns", "spend", "accounts", "leads", "deals", "touchpoints")


# --------------------------------------------------------------------------- the vocabulary

# channel: (weight among extra campaigns, lead weight, mql factor, daily cost range in cents,
#           cpm in cents, ctr, typical duration in days (None: always on))
CHANNELS: dict[str, tuple] = {
    "email": (3, 1.5, 1.0, (2_000, 6_000), None, None, (30, 180)),
    "paid_search": (4, 3.0, 0.9, (15_000, 150_000), 900, 0.035, (30, 150)),
    "paid_social": (3, 2.0, 0.7, (10_000, 80_000), 700, 0.009, (30, 120)),
    "organic_social": (1, 1.0, 0.8, (0, 0), None, None, None),
    "seo": (1, 2.5, 1.0, None, None, None, None),
    "display": (2, 0.5, 0.6, (5_000, 40_000), 250, 0.0015, (30, 90)),
    "events": (2, 1.5, 1.3, (500_000, 4_000_000), None, None, (1, 3)),
    "webinar": (2, 2.0, 1.2, (3_000, 20_000), None, None, (14, 30)),
    "content": (2, 2.0, 1.1, (2_000, 15_000), None, None, None),
    "referral": (1, 1.0, 1.5, None, None, None, None),
    "abm": (2, 1.0, 1.4, (10_000, 60_000), 1_200, 0.006, (90, 240)),
    "other": (1, 0.5, 0.8, (2_000, 20_000), None, None, (30, 90)),
}
CHANNEL_LABELS = {
    "email": "Email",
    "paid_search": "Paid Search",
    "paid_social": "Paid Social",
    "organic_social": "Organic Social",
    "seo": "SEO",
    "display": "Display",
    "events": "Event",
    "webinar": "Webinar",
    "content": "Content",
    "referral": "Referral",
    "abm": "ABM",
    "other": "Partner",
}
THEMES = (
    "Pipeline Push",
    "Brand Awareness",
    "Product Launch",
    "Competitor Conquest",
    "Free Trial Drive",
    "Customer Stories",
    "Industry Report",
    "Growth Playbook",
    "Data Summit",
    "Security Week",
    "Integrations Tour",
    "Year in Review",
    "Enterprise Tier",
    "Analytics Masterclass",
    "Retargeting",
    "Nurture Track",
)
SYLLABLES = (
    "nor",
    "vex",
    "ta",
    "lin",
    "qua",
    "dro",
    "mi",
    "sol",
    "ar",
    "ven",
    "co",
    "zen",
    "tri",
    "bel",
    "ka",
    "ro",
    "lux",
    "pi",
    "on",
    "gra",
    "fi",
    "del",
    "mo",
    "ster",
)
SUFFIXES = (
    "Systems",
    "Labs",
    "Analytics",
    "Group",
    "Software",
    "Health",
    "Logistics",
    "Partners",
    "Cloud",
    "Industries",
)
INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Logistics",
    "Education",
    "Media",
    "Energy",
    "Professional Services",
)
FIRST_NAMES = ("anna", "ben", "carla", "deepak", "elena", "farid", "grace", "hugo", "ines", "jon", "kemi", "luis")
LAST_NAMES = ("meyer", "okafor", "rossi", "tanaka", "novak", "garcia", "smith", "ivanova", "chen", "dubois", "berg")
FREEMAIL = ("gmail.com", "outlook.com", "yahoo.com", "proton.me")
PAGES = (
    "/",
    "/pricing",
    "/product",
    "/product/dashboards",
    "/product/integrations",
    "/customers",
    "/blog/kpi-guide",
    "/blog/attribution-models",
    "/blog/abm-playbook",
    "/docs/getting-started",
    "/about",
    "/security",
    "/demo",
)
PRODUCTS = ("Starter plan", "Growth plan", "Enterprise plan", "Analytics add-on", "Onboarding package")
WEB_CHANNELS = ("paid_search", "paid_social", "display", "seo", "organic_social", "referral", "content", "email")


# --------------------------------------------------------------------------- time


class LocalClock:
    """Unix seconds ↔ local dates and texts in one time zone, cached per hour and per day."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._offsets: dict[int, int | None] = {}
        self._midnights: dict[int, int] = {}
        self._dates: dict[int, str] = {}

    def _offset_at(self, ts: int) -> int:
        offset = datetime.fromtimestamp(ts, self.tz).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def offset(self, ts: int) -> int:
        hour = ts // 3600
        try:
            cached = self._offsets[hour]
        except KeyError:
            first, last = self._offset_at(hour * 3600), self._offset_at(hour * 3600 + 3599)
            cached = self._offsets[hour] = first if first == last else None
        # None: a transition inside this hour (rare): ask the time-zone database.
        return cached if cached is not None else self._offset_at(ts)

    def local_day(self, ts: int) -> int:
        """The date ordinal of `ts` in the workspace's time zone (campaigns.dates.local_date)."""
        return (ts + self.offset(ts)) // DAY + EPOCH_ORDINAL

    def midnight(self, day: int) -> int:
        """Unix seconds of the local midnight starting date ordinal `day`."""
        try:
            return self._midnights[day]
        except KeyError:
            moment = datetime.combine(date.fromordinal(day), time(0), tzinfo=self.tz)
            value = self._midnights[day] = int(moment.timestamp())
            return value

    def date_text(self, day: int) -> str:
        try:
            return self._dates[day]
        except KeyError:
            value = self._dates[day] = date.fromordinal(day).isoformat()
            return value

    def utc_text(self, ts: int) -> str:
        """`YYYY-MM-DD HH:MM:SS+00` (PostgreSQL's COPY text format)."""
        days, rest = divmod(ts, DAY)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{self.date_text(days + EPOCH_ORDINAL)} {hours:02d}:{minutes:02d}:{seconds:02d}+00"

    def iso_local(self, ts: int) -> str:
        """ISO 8601 with the workspace's offset, as an integration would send it."""
        offset = self.offset(ts)
        days, rest = divmod(ts + offset, DAY)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        sign = "-" if offset < 0 else "+"
        off_h, off_m = divmod(abs(offset) // 60, 60)
        return f"{self.date_text(days + EPOCH_ORDINAL)}T{hours:02d}:{minutes:02d}:{seconds:02d}{sign}{off_h:02d}:{off_m:02d}"


def to_datetime(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def to_date(day: int | None) -> date | None:
    return None if day is None else date.fromordinal(day)


def money_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (cumulative rounding: exact sum)."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    parts, running, given = [], 0.0, 0
    for weight in weights:
        running += weight
        upto = round(total * running / whole)
        parts.append(upto - given)
        given = upto
    return parts


# --------------------------------------------------------------------------- the generator


class WorkspaceGenerator:
    """The rows of one workspace. Iterate the tables in `TABLES` order (`tables()`)."""

    def __init__(
        self,
        *,
        scale: Scale | str,
        seed: int = 1,
        time_zone: str = "UTC",
        until: datetime | None = None,
        site: str = "www.example.com",
        prefix: str = "",
    ) -> None:
        self.scale = SCALES[scale] if isinstance(scale, str) else scale
        # Put before every external, visitor and session id: two generators can then fill one workspace.
        self.prefix = prefix
        self.seed = seed
        self.clock = LocalClock(ZoneInfo(time_zone))
        until = until or datetime.now(UTC).replace(second=0, microsecond=0)
        if until.tzinfo is None:
            raise ValueError("until must be an aware datetime")
        self.until = int(until.timestamp())
        self.last_day = self.clock.local_day(self.until - 1)
        self.first_day = self.last_day - self.scale.days + 1
        self.start = self.clock.midnight(self.first_day)
        self.site = f"https://{site}"
        self._day_weights = [self._day_weight(d) for d in range(self.first_day, self.last_day + 1)]
        self._campaigns: list[CampaignRow] | None = None
        self._accounts: tuple | None = None
        self._leads_built = False
        self._deals_built = False
        self._web_campaigns_by_day: dict[int, list[int]] = {}

    # ----------------------------------------------------------------- helpers

    def _rng(self, table: str) -> random.Random:
        # A string seed is hashed with SHA-512: stable across runs and PYTHONHASHSEED.
        return random.Random(f"pulse:{self.seed}:{table}")

    def _day_weight(self, day: int) -> float:
        weekday = date.fromordinal(day).weekday()
        weekly = (1.0, 1.05, 1.05, 1.0, 0.85, 0.3, 0.25)[weekday]
        growth = 0.7 + 0.6 * (day - self.first_day) / max(1, self.scale.days - 1)
        month = date.fromordinal(day).month
        seasonal = 0.75 if month in (8, 12) else 1.0
        return weekly * growth * seasonal

    def _time_of_day(self, rng: random.Random) -> int:
        """Seconds after local midnight: mostly business hours, some evenings and nights."""
        if rng.random() < 0.82:
            return min(DAY - 1, max(0, int(rng.gauss(13.5 * 3600, 2.6 * 3600))))
        return rng.randrange(DAY)

    def _moment(self, rng: random.Random, day: int, late: bool = False) -> int:
        seconds = rng.randrange(23 * 3600 + 50 * 60, DAY - 30) if late else self._time_of_day(rng)
        ts = self.clock.midnight(day) + seconds
        if ts >= self.until:
            ts = self.until - 1 - rng.randrange(3600)
        return max(ts, self.start)

    def _random_day(self, rng: random.Random, first: int | None = None, last: int | None = None) -> int:
        first = self.first_day if first is None else max(first, self.first_day)
        last = self.last_day if last is None else min(last, self.last_day)
        if last <= first:
            return first
        offset_first, offset_last = first - self.first_day, last - self.first_day
        # Rejection sampling on the day weights keeps weekly rhythm and growth.
        for _ in range(8):
            day = rng.randint(offset_first, offset_last)
            if rng.random() * 1.3 < self._day_weights[day]:
                return day + self.first_day
        return day + self.first_day

    def _after(self, rng: random.Random, ts: int, median_days: float, sigma: float = 0.8) -> int:
        return ts + int(rng.lognormvariate(math.log(median_days * DAY), sigma))

    # ----------------------------------------------------------------- campaigns

    def campaigns(self) -> Iterator[CampaignRow]:
        yield from self._campaign_rows()

    def _campaign_rows(self) -> list[CampaignRow]:
        if self._campaigns is not None:
            return self._campaigns
        rng = self._rng("campaigns")
        channels = list(CHANNELS)
        weights = [CHANNELS[c][0] for c in channels]
        rows = []
        for idx in range(self.scale.campaigns):
            channel = channels[idx] if idx < len(channels) else rng.choices(channels, weights)[0]
            duration = CHANNELS[channel][6]
            if duration is None:
                starts, ends = self.first_day, None
            else:
                length = rng.randint(*duration)
                if channel == "abm":
                    starts = self.first_day + rng.randrange(max(1, self.scale.days // 4))
                else:
                    starts = self.first_day + rng.randrange(max(1, self.scale.days - 7))
                ends = starts + length - 1
            is_abm = channel == "abm" or (channel in ("paid_social", "display", "email") and rng.random() < 0.15)
            cost_range = CHANNELS[channel][3]
            active = (min(ends, self.last_day) if ends else self.last_day) - starts + 1
            budget = None
            if cost_range and cost_range[1]:
                per_day = rng.randint(*cost_range)
                budget = (per_day * min(active, 3) if channel == "events" else per_day * active) // 10_000 * 10_000
            month = date.fromordinal(starts)
            name = f"{month:%b %Y} {rng.choice(THEMES)} — {CHANNEL_LABELS[channel]}"
            rows.append((idx, f"cmp-{idx + 1:05d}", name, channel, is_abm, starts, ends, budget))
        self._campaigns = rows
        return rows

    def _active(self, campaign: CampaignRow, day: int) -> bool:
        return campaign[5] <= day and (campaign[6] is None or day <= campaign[6])

    # ----------------------------------------------------------------- spend

    def spend(self) -> Iterator[SpendRow]:
        rng = self._rng("spend")
        for campaign in self._campaign_rows():
            idx, channel, starts, ends, budget = campaign[0], campaign[3], campaign[5], campaign[6], campaign[7]
            _w, _l, _m, cost_range, cpm, ctr, _d = CHANNELS[channel]
            if cost_range is None:
                continue
            last = min(ends if ends is not None else self.last_day, self.last_day)
            if channel == "events":
                days = list(range(starts, last + 1))[:3]
                parts = _allocate(budget or 0, [1.0] * len(days))
                for day, cost in zip(days, parts, strict=True):
                    yield (idx, day, cost, 0, 0)
                continue
            per_day = (budget or 0) / max(1, last - starts + 1)
            for day in range(starts, last + 1):
                factor = self._day_weights[day - self.first_day] * rng.uniform(0.75, 1.25)
                if channel == "organic_social":
                    impressions = int(rng.uniform(400, 4_000) * factor)
                    yield (idx, day, 0, impressions, int(impressions * rng.uniform(0.004, 0.012)))
                    continue
                cost = int(per_day * factor)
                impressions = int(cost * 1000 / cpm) if cpm else int(cost / 100 * rng.uniform(20, 60))
                clicks = int(impressions * (ctr or 0.01) * rng.uniform(0.7, 1.3))
                yield (idx, day, cost, impressions, clicks)

    # ----------------------------------------------------------------- accounts

    def accounts(self) -> Iterator[AccountRow]:
        rng = self._rng("accounts")
        names, seen = [], set()
        for idx in range(self.scale.accounts):
            syllables = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
            name = f"{syllables.capitalize()} {rng.choice(SUFFIXES)}"
            domain = f"{syllables}-{name.split()[1].lower()}.example"
            if domain in seen:
                domain = f"{syllables}{idx}-{name.split()[1].lower()}.example"
            seen.add(domain)
            employees = int(min(200_000, max(2, rng.lognormvariate(math.log(120), 1.5))))
            is_target = rng.random() < (0.05 + min(0.25, employees / 20_000))
            names.append((name, domain, employees, is_target))
            yield (idx, f"acc-{idx + 1:06d}", name, domain, rng.choice(INDUSTRIES), employees, is_target)
        self._accounts = tuple(names)

    def _account_info(self) -> tuple:
        if self._accounts is None:
            for _row in self.accounts():
                pass
        return self._accounts

    # ----------------------------------------------------------------- leads

    def _campaign_picker(self) -> Callable[[random.Random, int], int | None]:
        campaigns = self._campaign_rows()
        cache: dict[int, tuple[list[int], list[float]]] = {}

        def pick(rng: random.Random, day: int) -> int | None:
            if rng.random() < 0.08:
                return None
            try:
                ids, cum = cache[day]
            except KeyError:
                ids, cum, running = [], [], 0.0
                for campaign in campaigns:
                    if self._active(campaign, day):
                        running += CHANNELS[campaign[3]][1]
                        ids.append(campaign[0])
                        cum.append(running)
                cache[day] = (ids, cum)
            if not ids:
                return None
            return ids[bisect.bisect_left(cum, rng.random() * cum[-1])]

        return pick

    def leads(self) -> Iterator[LeadRow]:
        rng = self._rng("leads")
        accounts = self._account_info()
        campaigns = self._campaign_rows()
        pick_campaign = self._campaign_picker()
        # Bigger companies and target accounts produce more leads.
        cum_accounts, running = [], 0.0
        for _name, _domain, employees, is_target in accounts:
            running += math.log2(employees + 2) * (2.5 if is_target else 1.0)
            cum_accounts.append(running)
        n = self.scale.leads
        self.lead_created = array("q")
        self.lead_account = array("l")
        self.lead_campaign = array("l")
        self.lead_sql = array("q")
        self.lead_sqo = array("q")
        self._deal_seeds: list[tuple[int, int, int | None, int]] = []
        idx = 0
        for offset, count in enumerate(_allocate(n, self._day_weights)):
            day = self.first_day + offset
            for created in sorted(self._moment(rng, day) for _ in range(count)):
                account = None
                if accounts and rng.random() < 0.85:
                    account = bisect.bisect_left(cum_accounts, rng.random() * running)
                campaign = pick_campaign(rng, day)
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                domain = accounts[account][1] if account is not None else rng.choice(FREEMAIL)
                email = f"{first}.{last}{idx}@{domain}"
                factor = CHANNELS[campaigns[campaign][3]][2] if campaign is not None else 1.0
                if account is not None and accounts[account][3]:
                    factor *= 1.3
                mql = sql = sqo = None
                if rng.random() < 0.38 * factor:
                    mql = self._after(rng, created, 2.5)
                    if account is not None and rng.random() < 0.45:
                        sql = self._after(rng, mql, 6)
                        if rng.random() < 0.6:
                            sqo = self._after(rng, sql, 5)
                # A stage later than `until` has not happened yet.
                if mql is not None and mql >= self.until:
                    mql = sql = sqo = None
                if sql is not None and sql >= self.until:
                    sql = sqo = None
                if sqo is not None and sqo >= self.until:
                    sqo = None
                self.lead_created.append(created)
                self.lead_account.append(-1 if account is None else account)
                self.lead_campaign.append(-1 if campaign is None else campaign)
                self.lead_sql.append(sql or 0)
                self.lead_sqo.append(sqo or 0)
                if sqo is not None:
                    self._deal_seeds.append((idx, account, campaign, sqo))
                yield (idx, f"lead-{idx + 1:07d}", email, account, campaign, created, mql, sql, sqo)
                idx += 1
        self._leads_built = True

    def _lead_state(self) -> None:
        if not self._leads_built:
            for _row in self.leads():
                pass

    # ----------------------------------------------------------------- deals

    def _close(self, rng: random.Random, created: int, target: bool) -> tuple[str, int | None]:
        closed = self._after(rng, created, 40, 0.7)
        if closed >= self.until:
            return "open", None
        return ("won" if rng.random() < (0.4 if target else 0.3) else "lost"), closed

    def _deal(self, rng, idx, account, lead, campaign, created) -> DealRow:
        name, _domain, employees, is_target = self._account_info()[account]
        status, closed = self._close(rng, created, is_target)
        amount = int(600_000 * (employees / 100) ** 0.35 * rng.lognormvariate(0, 0.5)) // 10_000 * 10_000
        amount = max(amount, 50_000)
        mrr = amount // 12 if rng.random() < 0.75 else 0
        churned = None
        if status == "won" and mrr:
            churn_at = closed + int(rng.expovariate(1 / (600 * DAY)))
            if churn_at < self.until:
                churned = churn_at
        self._deal_summaries.append((account, created, closed or self.until))
        if status == "won":
            self._won_accounts.append((account, closed))
        return (idx, f"deal-{idx + 1:06d}", account, lead, campaign, f"{name} — {rng.choice(PRODUCTS)}", amount, mrr,
                status, created, closed, churned)  # fmt: skip

    def deals(self) -> Iterator[DealRow]:
        self._lead_state()
        rng = self._rng("deals")
        self._deal_summaries: list[tuple[int, int, int]] = []
        self._won_accounts: list[tuple[int, int]] = []
        idx = 0
        for lead, account, campaign, sqo in self._deal_seeds:
            created = min(sqo + rng.randrange(2 * DAY), self.until - 1)
            yield self._deal(rng, idx, account, lead, campaign, created)
            idx += 1
        # Expansion deals on customers, and direct (often ABM-sourced) deals on target accounts.
        accounts = self._account_info()
        targets = [i for i, info in enumerate(accounts) if info[3]] or list(range(len(accounts)))
        abm = [c[0] for c in self._campaign_rows() if c[4]]
        extra = max(0, self.scale.deals - idx)
        for _ in range(extra):
            if self._won_accounts and rng.random() < 0.6:
                account, won_at = rng.choice(self._won_accounts)
                if won_at + 30 * DAY >= self.until:
                    continue
                created = rng.randrange(won_at + 30 * DAY, self.until)
                campaign = None
            elif targets:
                account = rng.choice(targets)
                created = self._moment(rng, self._random_day(rng))
                campaign = rng.choice(abm) if abm and rng.random() < 0.7 else None
            else:
                continue
            yield self._deal(rng, idx, account, None, campaign, created)
            idx += 1
        self._deals_built = True

    def _deal_state(self) -> None:
        if not self._deals_built:
            for _row in self.deals():
                pass

    # ----------------------------------------------------------------- touchpoints

    def touchpoints(self) -> Iterator[TouchpointRow]:
        """Every engagement and delivery event, source by source, close to `scale.touchpoints` in all."""
        self._lead_state()
        self._deal_state()
        self._tp_serial = 0
        self._session_serial = 0
        rng = self._rng("touchpoints")
        leads = len(self.lead_created)
        fixed = leads * 3.9 + len(self._deal_summaries) * 2
        flexible = max(0.0, self.scale.touchpoints - fixed)
        yield from self._lead_journeys(rng, revisit_pages=0.10 * flexible)
        yield from self._sales_meetings(rng)
        yield from self._email_blasts(rng, sends=0.42 * flexible / 1.356)
        yield from self._anonymous_web(rng, sessions=0.25 * flexible / 2.5)
        yield from self._ad_clicks(rng, count=0.07 * flexible)
        yield from self._social(rng, count=0.05 * flexible)
        yield from self._events_and_content(rng, count=0.03 * flexible)
        yield from self._abm_bursts(rng, events=0.08 * flexible)

    def _tp(self, kind, ts, campaign, lead, account, visitor="", session="", url="", keyed=True) -> TouchpointRow:
        self._tp_serial += 1
        external_id = f"tp-{self._tp_serial:09d}" if keyed else None
        return (kind, ts, campaign, lead, account, visitor, session, url, external_id)

    def _lead_refs(self, rng: random.Random, lead: int) -> tuple[int | None, int | None]:
        """A lead's account is sent on about half of its touchpoints (the spec falls back to the lead's)."""
        account = self.lead_account[lead]
        return lead, (account if account >= 0 and rng.random() < 0.5 else None)

    def _landing(self, campaign: int | None) -> str:
        if campaign is None:
            return f"{self.site}/"
        return f"{self.site}/lp/{self._campaign_rows()[campaign][1]}"

    def _session(self, rng, visitor, start, campaign, lead, account, pages=None) -> Iterator[TouchpointRow]:
        """A web session: page views a few seconds to minutes apart (late starts cross midnight)."""
        self._session_serial += 1
        session = f"s-{self._session_serial:08d}"
        if pages is None:
            pages = 1 if rng.random() < 0.4 else 2 + min(20, int(rng.expovariate(1 / 1.5)))
        ts = start
        for page in range(pages):
            url = self._landing(campaign) if page == 0 else self.site + rng.choice(PAGES)
            if ts >= self.until:
                return
            yield self._tp("page_view", ts, campaign, lead, account, visitor, session, url, keyed=rng.random() < 0.8)
            ts += rng.randint(15, 240)

    def _lead_journeys(self, rng: random.Random, revisit_pages: float) -> Iterator[TouchpointRow]:
        campaigns = self._campaign_rows()
        leads = len(self.lead_created)
        revisits = revisit_pages / 2.5 / max(1, leads)
        for lead in range(leads):
            created = self.lead_created[lead]
            campaign = self.lead_campaign[lead]
            campaign = None if campaign < 0 else campaign
            visitor = f"lv-{lead + 1:07d}"
            # The visit that converted: pages, then the form on the landing page.
            pages = rng.randint(1, 4)
            start = max(self.start, created - pages * rng.randint(30, 150))
            _lead, account = self._lead_refs(rng, lead)
            yield from self._session(rng, visitor, start, campaign, lead, account, pages)
            yield self._tp("form_submit", created, campaign, lead, account, visitor)
            channel = campaigns[campaign][3] if campaign is not None else None
            if channel == "webinar":
                yield self._tp("webinar_registration", created, campaign, lead, account)
                attend = created + rng.randint(1, 14) * DAY
                if attend < self.until and rng.random() < 0.45:
                    yield self._tp("webinar_attendance", attend, campaign, lead, account)
            elif channel == "content":
                yield self._tp("content_download", created + 5, campaign, lead, account)
            elif channel in ("paid_search", "paid_social", "display", "abm"):
                yield self._tp("ad_click", max(self.start, start - 2), campaign, lead, account, visitor)
            elif channel in ("organic_social", "paid_social"):
                yield self._tp("social_engagement", max(self.start, start - 600), campaign, lead, account,
                               keyed=False)  # fmt: skip
            # Later visits, of their own accord or from other campaigns.
            for _ in range(_poisson(rng, revisits)):
                day = self._random_day(rng, self.clock.local_day(created))
                when = self._moment(rng, day)
                if when <= created:
                    continue
                other = self._pick_web_campaign(rng, day)
                yield from self._session(rng, visitor, when, other, lead, self._lead_refs(rng, lead)[1])

    def _sales_meetings(self, rng: random.Random) -> Iterator[TouchpointRow]:
        for lead in range(len(self.lead_created)):
            for stage in (self.lead_sql[lead], self.lead_sqo[lead]):
                if stage and rng.random() < 0.8:
                    when = stage - rng.randint(600, 3 * DAY)
                    yield self._tp("meeting", max(when, self.lead_created[lead]), None, lead, self.lead_account[lead])
        for account, created, closed in self._deal_summaries:
            for _ in range(rng.randint(0, 3)):
                if closed > created:
                    yield self._tp("meeting", rng.randrange(created, closed), None, None, account)

    def _pick_web_campaign(self, rng: random.Random, day: int) -> int | None:
        if rng.random() < 0.3:
            return None
        campaigns = self._web_campaigns_by_day.get(day)
        if campaigns is None:
            campaigns = [c[0] for c in self._campaign_rows() if c[3] in WEB_CHANNELS and self._active(c, day)]
            self._web_campaigns_by_day[day] = campaigns
        return rng.choice(campaigns) if campaigns else None

    def _email_blasts(self, rng: random.Random, sends: float) -> Iterator[TouchpointRow]:
        blasts = []
        for campaign in self._campaign_rows():
            if campaign[3] != "email" and not (campaign[3] == "abm" and campaign[4]):
                continue
            last = min(campaign[6] if campaign[6] is not None else self.last_day, self.last_day)
            day = campaign[5] + rng.randrange(7)
            while day <= last:
                blasts.append((campaign[0], day))
                day += 7
        if not blasts or not self.lead_created:
            return
        per_blast = sends / len(blasts)
        gone: set[int] = set()
        for campaign, day in blasts:
            start = self.clock.midnight(day) + rng.randint(8 * 3600, 11 * 3600)
            if start >= self.until:
                continue
            eligible = bisect.bisect_left(self.lead_created, start)
            if not eligible:
                continue
            size = min(eligible, _poisson(rng, per_blast))
            for lead in rng.sample(range(eligible), size):
                if lead in gone:
                    continue
                sent = start + rng.randrange(1800)
                _lead, account = self._lead_refs(rng, lead)
                yield self._tp("email_sent", sent, campaign, lead, account)
                if rng.random() < 0.025:
                    gone.add(lead)
                    yield self._tp("email_bounce", sent + rng.randint(5, 120), campaign, lead, account)
                    continue
                roll = rng.random()
                if roll < 0.002:
                    yield self._tp("email_spam", sent + rng.randint(60, DAY), campaign, lead, account)
                    continue
                if roll < 0.232:
                    opened = min(self.until - 1, sent + int(rng.expovariate(1 / 14_400)))
                    yield self._tp("email_open", opened, campaign, lead, account)
                    if rng.random() < 0.3:
                        again = min(self.until - 1, opened + int(rng.expovariate(1 / DAY)))
                        yield self._tp("email_open", again, campaign, lead, account)
                    if rng.random() < 0.15:
                        clicked = min(self.until - 1, opened + rng.randint(5, 600))
                        yield self._tp("email_click", clicked, campaign, lead, account)
                        visitor = f"lv-{lead + 1:07d}"
                        yield from self._session(rng, visitor, clicked + 2, campaign, lead, account)
                    if rng.random() < 0.017:
                        gone.add(lead)
                        yield self._tp("email_unsubscribe", min(self.until - 1, opened + 30), campaign, lead, account)

    def _anonymous_web(self, rng: random.Random, sessions: float) -> Iterator[TouchpointRow]:
        count = int(sessions)
        visitors = max(1, int(count * 0.6))
        for offset, today in enumerate(_allocate(count, self._day_weights)):
            day = self.first_day + offset
            for _ in range(today):
                # About one session in two hundred starts just before midnight and runs past it.
                start = self._moment(rng, day, late=rng.random() < 0.005)
                visitor = f"av-{rng.randrange(visitors) + 1:08d}"
                yield from self._session(rng, visitor, start, self._pick_web_campaign(rng, day), None, None)

    def _spend_picker(self, channels: Iterable[str], column: int) -> tuple[list[tuple[int, int]], list[float]]:
        channels = set(channels)
        keys, cum, running = [], [], 0.0
        campaigns = self._campaign_rows()
        for row in self.spend():
            if campaigns[row[0]][3] in channels and row[column] > 0:
                running += row[column]
                keys.append((row[0], row[1]))
                cum.append(running)
        return keys, cum

    def _ad_clicks(self, rng: random.Random, count: float) -> Iterator[TouchpointRow]:
        keys, cum = self._spend_picker(("paid_search", "paid_social", "display", "abm"), 4)
        if not keys:
            return
        leads = len(self.lead_created)
        for _ in range(int(count)):
            campaign, day = keys[bisect.bisect_left(cum, rng.random() * cum[-1])]
            when = self._moment(rng, day)
            if leads and rng.random() < 0.2:
                lead = rng.randrange(max(1, bisect.bisect_left(self.lead_created, when)))
                yield self._tp("ad_click", when, campaign, *self._lead_refs(rng, lead), visitor=f"lv-{lead + 1:07d}")
            else:
                yield self._tp("ad_click", when, campaign, None, None, visitor=f"av-{rng.randrange(10**7):08d}")

    def _social(self, rng: random.Random, count: float) -> Iterator[TouchpointRow]:
        keys, cum = self._spend_picker(("organic_social", "paid_social"), 3)
        if not keys:
            return
        leads = len(self.lead_created)
        for _ in range(int(count)):
            campaign, day = keys[bisect.bisect_left(cum, rng.random() * cum[-1])]
            when = self._moment(rng, day)
            lead = account = None
            if leads and rng.random() < 0.25:
                lead, account = self._lead_refs(rng, rng.randrange(leads))
            yield self._tp("social_engagement", when, campaign, lead, account, keyed=False)

    def _events_and_content(self, rng: random.Random, count: float) -> Iterator[TouchpointRow]:
        campaigns = [c for c in self._campaign_rows() if c[3] in ("webinar", "content", "events")]
        if not campaigns or not self.lead_created:
            return
        for _ in range(int(count / 1.5)):
            campaign = rng.choice(campaigns)
            last = min(campaign[6] if campaign[6] is not None else self.last_day, self.last_day)
            when = self._moment(rng, self._random_day(rng, campaign[5], last))
            eligible = bisect.bisect_left(self.lead_created, when)
            if not eligible:
                continue
            lead, account = self._lead_refs(rng, rng.randrange(eligible))
            if campaign[3] == "content":
                yield self._tp("content_download", when, campaign[0], lead, account)
                continue
            yield self._tp("webinar_registration", when, campaign[0], lead, account)
            attend = when + rng.randint(1, 10) * DAY
            if attend < self.until and rng.random() < 0.5:
                kind = "webinar_attendance" if campaign[3] == "webinar" else "meeting"
                yield self._tp(kind, attend, campaign[0], lead, account)

    def _abm_bursts(self, rng: random.Random, events: float) -> Iterator[TouchpointRow]:
        """Target accounts get bursts of engagement from ABM campaigns: ads, visits, content, meetings."""
        accounts = self._account_info()
        targets = [i for i, info in enumerate(accounts) if info[3]]
        abm = [c for c in self._campaign_rows() if c[4]]
        if not targets or not abm:
            return
        per_account = events / 9 / len(targets)
        for account in targets:
            for _ in range(_poisson(rng, per_account)):
                campaign = rng.choice(abm)
                last = min(campaign[6] if campaign[6] is not None else self.last_day, self.last_day)
                first_day = self._random_day(rng, campaign[5], last)
                visitor = f"ab-{account + 1:06d}-{rng.randrange(5)}"
                for _ in range(rng.randint(3, 9)):
                    when = self._moment(rng, first_day + rng.randrange(21))
                    roll = rng.random()
                    if roll < 0.45:
                        yield self._tp("ad_click", when, campaign[0], None, account, visitor)
                    elif roll < 0.8:
                        yield from self._session(rng, visitor, when, campaign[0], None, account)
                    elif roll < 0.93:
                        yield self._tp("content_download", when, campaign[0], None, account, visitor)
                    else:
                        yield self._tp("meeting", when, campaign[0], None, account)

    # ----------------------------------------------------------------- all of it

    def tables(self) -> Iterator[tuple[str, Iterator[tuple]]]:
        """(table, rows) in dependency order; consume each before asking for the next."""
        for table, rows in (
            ("campaigns", self.campaigns()),
            ("spend", self.spend()),
            ("accounts", self.accounts()),
            ("leads", self.leads()),
            ("deals", self.deals()),
            ("touchpoints", self.touchpoints()),
        ):
            yield table, self._prefixed(table, rows) if self.prefix else rows

    def _prefixed(self, table: str, rows: Iterator[tuple]) -> Iterator[tuple]:
        columns = _ID_COLUMNS.get(table, ())
        for row in rows:
            row = list(row)
            for column in columns:
                if row[column]:
                    row[column] = self.prefix + row[column]
            yield tuple(row)


# The identifier columns of each table's rows (see the row shapes above).
_ID_COLUMNS = {"campaigns": (1,), "accounts": (1,), "leads": (1,), "deals": (1,), "touchpoints": (5, 6, 8)}


# --------------------------------------------------------------------------- sink: the ORM


def _models() -> dict[str, type]:
    from campaigns.models import Account, Campaign, Deal, Lead, SpendEntry, Touchpoint

    return {
        "campaigns": Campaign,
        "spend": SpendEntry,
        "accounts": Account,
        "leads": Lead,
        "deals": Deal,
        "touchpoints": Touchpoint,
    }


def _id_bases(workspace_models: dict[str, type]) -> dict[str, int]:
    """First free id per table: rows get explicit ids, so references need no lookups."""
    from django.db.models import Max

    return {
        table: (model.objects.unscoped().aggregate(top=Max("id"))["top"] or 0) + 1
        for table, model in workspace_models.items()
    }


def _cents(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents).scaleb(-2)


def load_orm(workspace, generator: WorkspaceGenerator, *, batch_size: int = 2_000, progress=None) -> dict[str, int]:
    """Write every row with `bulk_create` inside `workspace`'s scope, in one transaction."""
    from django.db import connection, transaction

    from accounts.tenancy import workspace_scope
    from campaigns.changes import record_change

    models = _models()
    clock = generator.clock
    counts: dict[str, int] = {}
    with transaction.atomic(), workspace_scope(workspace):
        base = _id_bases(models)
        ws = workspace.pk

        def ref(table: str, idx: int | None) -> int | None:
            return None if idx is None else base[table] + idx

        builders = {
            "campaigns": lambda r: models["campaigns"](
                id=base["campaigns"] + r[0], workspace_id=ws, external_id=r[1], name=r[2], channel=r[3],
                is_abm=r[4], starts_on=to_date(r[5]), ends_on=to_date(r[6]), budget=_cents(r[7]),
            ),
            "spend": lambda r: models["spend"](
                workspace_id=ws, campaign_id=ref("campaigns", r[0]), date=to_date(r[1]), cost=_cents(r[2]),
                impressions=r[3], clicks=r[4],
            ),
            "accounts": lambda r: models["accounts"](
                id=base["accounts"] + r[0], workspace_id=ws, external_id=r[1], name=r[2], domain=r[3],
                industry=r[4], employees=r[5], is_target=r[6],
            ),
            "leads": lambda r: models["leads"](
                id=base["leads"] + r[0], workspace_id=ws, external_id=r[1], email=r[2],
                account_id=ref("accounts", r[3]), source_campaign_id=ref("campaigns", r[4]),
                created_at=to_datetime(r[5]), mql_at=to_datetime(r[6]), sql_at=to_datetime(r[7]),
                sqo_at=to_datetime(r[8]), created_on=to_date(clock.local_day(r[5])),
                mql_on=_local(clock, r[6]), sql_on=_local(clock, r[7]), sqo_on=_local(clock, r[8]),
            ),
            "deals": lambda r: models["deals"](
                id=base["deals"] + r[0], workspace_id=ws, external_id=r[1], account_id=ref("accounts", r[2]),
                lead_id=ref("leads", r[3]), source_campaign_id=ref("campaigns", r[4]), name=r[5],
                amount=_cents(r[6]), mrr=_cents(r[7]), status=r[8], created_at=to_datetime(r[9]),
                closed_at=to_datetime(r[10]), churned_at=to_datetime(r[11]),
                created_on=to_date(clock.local_day(r[9])), closed_on=_local(clock, r[10]),
                churned_on=_local(clock, r[11]),
            ),
            "touchpoints": lambda r: models["touchpoints"](
                workspace_id=ws, kind=r[0], occurred_at=to_datetime(r[1]), occurred_on=to_date(clock.local_day(r[1])),
                campaign_id=ref("campaigns", r[2]), lead_id=ref("leads", r[3]), account_id=ref("accounts", r[4]),
                visitor_id=r[5], session_id=r[6], url=r[7], external_id=r[8],
            ),
        }  # fmt: skip
        for table, rows in generator.tables():
            model, build, batch, total = models[table], builders[table], [], 0
            for row in rows:
                batch.append(build(row))
                if len(batch) >= batch_size:
                    model.objects.bulk_create(batch)
                    total += len(batch)
                    batch = []
                    if progress:
                        progress(table, total)
            if batch:
                model.objects.bulk_create(batch)
                total += len(batch)
            counts[table] = total
            if progress:
                progress(table, total)
        if connection.vendor == "postgresql":
            _reset_sequences(connection, models.values())
        # Tell the KPI engine, as ingestion would, that these dates changed.
        if any(counts.values()):
            record_change(workspace=workspace, days=[to_date(generator.first_day), to_date(generator.last_day)])
    return counts


def _local(clock: LocalClock, ts: int | None) -> date | None:
    return None if ts is None else date.fromordinal(clock.local_day(ts))


def _reset_sequences(connection, models: Iterable[type]) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


# --------------------------------------------------------------------------- sink: PostgreSQL COPY

NULL = "\\N"


def _copy_text(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value).replace("\\", "\\\\")
    return str(value)


class CopyRenderer:
    """Renders the generator's rows as lines of PostgreSQL's COPY text format, table by table.

    Columns the generator does not produce (added to the models later) are filled
    with their field default, `until` for auto-now timestamps, or NULL; a required
    column with none of those stops the load with a message saying so.
    """

    PROVIDED = {
        "campaigns": ["id", "workspace_id", "external_id", "name", "channel", "is_abm", "starts_on", "ends_on",
                      "budget"],
        "spend": ["workspace_id", "campaign_id", "date", "cost", "impressions", "clicks"],
        "accounts": ["id", "workspace_id", "external_id", "name", "domain", "industry", "employees", "is_target"],
        "leads": ["id", "workspace_id", "external_id", "email", "account_id", "source_campaign_id", "created_at",
                  "mql_at", "sql_at", "sqo_at", "created_on", "mql_on", "sql_on", "sqo_on"],
        "deals": ["id", "workspace_id", "external_id", "account_id", "lead_id", "source_campaign_id", "name",
                  "amount", "mrr", "status", "created_at", "closed_at", "churned_at", "created_on", "closed_on",
                  "churned_on"],
        "touchpoints": ["workspace_id", "kind", "occurred_at", "occurred_on", "campaign_id", "lead_id", "account_id",
                        "visitor_id", "session_id", "url", "external_id"],
    }  # fmt: skip

    def __init__(self, generator: WorkspaceGenerator, workspace_id: int, id_bases: dict[str, int]) -> None:
        self.generator = generator
        self.ws = str(workspace_id)
        self.base = id_bases
        self.models = _models()
        now = generator.clock.utc_text(generator.until)
        self.columns: dict[str, list[str]] = {}
        self.suffix: dict[str, str] = {}
        for table, model in self.models.items():
            provided = self.PROVIDED[table]
            extra_columns, extra_values = [], []
            for field in model._meta.concrete_fields:
                if field.column in provided or (field.primary_key and field.column == "id"):
                    continue
                extra_columns.append(field.column)
                if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                    extra_values.append(now)
                elif field.has_default():
                    extra_values.append(_copy_text(field.get_default()))
                elif field.null:
                    extra_values.append(NULL)
                else:
                    raise RuntimeError(
                        f"campaigns.generator cannot fill {model._meta.db_table}.{field.column} "
                        "(required, no default): teach CopyRenderer about it."
                    )
            self.columns[table] = provided + extra_columns
            self.suffix[table] = "".join("\t" + v for v in extra_values) + "\n"

    def table_name(self, table: str) -> str:
        return self.models[table]._meta.db_table

    def copy_sql(self, table: str) -> str:
        columns = ", ".join(f'"{c}"' for c in self.columns[table])
        return f'COPY "{self.table_name(table)}" ({columns}) FROM STDIN'

    def lines(self, table: str, rows: Iterable[tuple]) -> Iterator[str]:
        ws, suffix, clock = self.ws, self.suffix[table], self.generator.clock
        day_text, utc_text, local_day = clock.date_text, clock.utc_text, clock.local_day
        b_cmp, b_acc, b_lead, b_deal = (self.base[t] for t in ("campaigns", "accounts", "leads", "deals"))

        def ref(base: int, idx: int | None) -> str:
            return NULL if idx is None else str(base + idx)

        def ts(value: int | None) -> str:
            return NULL if value is None else utc_text(value)

        def day(value: int | None) -> str:
            return NULL if value is None else day_text(local_day(value))

        def money(cents: int | None) -> str:
            return NULL if cents is None else money_text(cents)

        if table == "campaigns":
            for r in rows:
                yield (f"{b_cmp + r[0]}\t{ws}\t{r[1]}\t{r[2]}\t{r[3]}\t{'t' if r[4] else 'f'}\t{day_text(r[5])}\t"
                       f"{NULL if r[6] is None else day_text(r[6])}\t{money(r[7])}{suffix}")  # fmt: skip
        elif table == "spend":
            for r in rows:
                yield f"{ws}\t{b_cmp + r[0]}\t{day_text(r[1])}\t{money_text(r[2])}\t{r[3]}\t{r[4]}{suffix}"
        elif table == "accounts":
            for r in rows:
                yield f"{b_acc + r[0]}\t{ws}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{'t' if r[6] else 'f'}{suffix}"
        elif table == "leads":
            for r in rows:
                yield (f"{b_lead + r[0]}\t{ws}\t{r[1]}\t{r[2]}\t{ref(b_acc, r[3])}\t{ref(b_cmp, r[4])}\t"
                       f"{utc_text(r[5])}\t{ts(r[6])}\t{ts(r[7])}\t{ts(r[8])}\t{day(r[5])}\t{day(r[6])}\t"
                       f"{day(r[7])}\t{day(r[8])}{suffix}")  # fmt: skip
        elif table == "deals":
            for r in rows:
                yield (f"{b_deal + r[0]}\t{ws}\t{r[1]}\t{b_acc + r[2]}\t{ref(b_lead, r[3])}\t{ref(b_cmp, r[4])}\t"
                       f"{r[5]}\t{money_text(r[6])}\t{money_text(r[7])}\t{r[8]}\t{utc_text(r[9])}\t{ts(r[10])}\t"
                       f"{ts(r[11])}\t{day(r[9])}\t{day(r[10])}\t{day(r[11])}{suffix}")  # fmt: skip
        elif table == "touchpoints":
            for kind, at, cmp, lead, acc, visitor, session, url, ext in rows:
                yield (f"{ws}\t{kind}\t{utc_text(at)}\t{day_text(local_day(at))}\t"
                       f"{NULL if cmp is None else b_cmp + cmp}\t{NULL if lead is None else b_lead + lead}\t"
                       f"{NULL if acc is None else b_acc + acc}\t{visitor}\t{session}\t{url}\t"
                       f"{NULL if ext is None else ext}{suffix}")  # fmt: skip
        else:
            raise KeyError(table)


def copy_id_bases(cursor) -> dict[str, int]:
    """First free id of each table, read with plain SQL (the bench has no workspace in scope)."""
    bases = {}
    for table, model in _models().items():
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')  # noqa: S608
        bases[table] = cursor.fetchone()[0]
    return bases


def load_copy(
    cursor,
    workspace_id: int,
    generator: WorkspaceGenerator,
    *,
    tables: Iterable[str] = TABLES,
    tee: Callable[[str, bytes], None] | None = None,
    progress: Callable[[str, int], None] | None = None,
    chunk_bytes: int = 1 << 20,
    id_bases: dict[str, int] | None = None,
) -> dict[str, int]:
    """COPY the rows of `tables` into PostgreSQL through a psycopg 3 cursor; returns rows per table.

    `tee(table, data)` receives every rendered chunk too (the bench's pre-rendered
    baseline). `id_bases` (first id per table, default: past the existing rows)
    must be the same for loads of different tables of one workspace. Sequences
    are moved past the explicit ids afterwards.
    """
    renderer = CopyRenderer(generator, workspace_id, id_bases or copy_id_bases(cursor))
    wanted = set(tables)
    counts: dict[str, int] = {}
    for table, rows in generator.tables():
        if table not in wanted:
            continue
        count, parts, size = 0, [], 0
        with cursor.copy(renderer.copy_sql(table)) as copy:
            for line in renderer.lines(table, rows):
                parts.append(line)
                size += len(line)
                count += 1
                if size >= chunk_bytes:
                    data = "".join(parts).encode()
                    copy.write(data)
                    if tee is not None:
                        tee(table, data)
                    parts, size = [], 0
                    if progress:
                        progress(table, count)
            if parts:
                data = "".join(parts).encode()
                copy.write(data)
                if tee is not None:
                    tee(table, data)
        counts[table] = count
        if progress:
            progress(table, count)
    reset_copy_sequences(cursor)
    return counts


def reset_copy_sequences(cursor) -> None:
    for model in _models().values():
        table = model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
            f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
        )


# --------------------------------------------------------------------------- sink: the API


API_RESOURCES = {
    "campaigns": "campaigns",
    "spend": "spend",
    "accounts": "accounts",
    "leads": "leads",
    "deals": "deals",
    "touchpoints": "touchpoints",
}
API_ORDER = ("campaigns", "accounts", "leads", "deals", "spend", "touchpoints")


class ApiRenderer:
    """The rows as JSON-ready objects of shared/API.md: references by external_id, ISO
    timestamps with the workspace's offset, money as strings; absent optional values left out."""

    def __init__(self, generator: WorkspaceGenerator) -> None:
        self.generator = generator
        self.iso = generator.clock.iso_local
        self.day = generator.clock.date_text
        self.campaign_ids = [c[1] for c in generator._campaign_rows()]

    def _campaign(self, idx):
        return None if idx is None else self.campaign_ids[idx]

    @staticmethod
    def _account(idx):
        return None if idx is None else f"acc-{idx + 1:06d}"

    @staticmethod
    def _lead(idx):
        return None if idx is None else f"lead-{idx + 1:07d}"

    def _ts(self, value):
        return None if value is None else self.iso(value)

    def objects(self, table: str, rows: Iterable[tuple]) -> Iterator[dict]:
        for r in rows:
            if table == "campaigns":
                obj = {"external_id": r[1], "name": r[2], "channel": r[3], "is_abm": r[4],
                       "starts_on": self.day(r[5]), "ends_on": None if r[6] is None else self.day(r[6]),
                       "budget": None if r[7] is None else money_text(r[7])}  # fmt: skip
            elif table == "spend":
                obj = {"campaign": self.campaign_ids[r[0]], "date": self.day(r[1]), "cost": money_text(r[2]),
                       "impressions": r[3], "clicks": r[4]}  # fmt: skip
            elif table == "accounts":
                obj = {"external_id": r[1], "name": r[2], "domain": r[3], "industry": r[4], "employees": r[5],
                       "is_target": r[6]}  # fmt: skip
            elif table == "leads":
                obj = {"external_id": r[1], "email": r[2], "account": self._account(r[3]),
                       "source_campaign": self._campaign(r[4]), "created_at": self.iso(r[5]),
                       "mql_at": self._ts(r[6]), "sql_at": self._ts(r[7]), "sqo_at": self._ts(r[8])}  # fmt: skip
            elif table == "deals":
                obj = {"external_id": r[1], "account": self._account(r[2]), "lead": self._lead(r[3]),
                       "source_campaign": self._campaign(r[4]), "name": r[5], "amount": money_text(r[6]),
                       "mrr": money_text(r[7]), "status": r[8], "created_at": self.iso(r[9]),
                       "closed_at": self._ts(r[10]), "churned_at": self._ts(r[11])}  # fmt: skip
            elif table == "touchpoints":
                obj = {"external_id": r[8], "kind": r[0], "occurred_at": self.iso(r[1]),
                       "campaign": self._campaign(r[2]), "lead": self._lead(r[3]), "account": self._account(r[4]),
                       "visitor_id": r[5], "session_id": r[6], "url": r[7]}  # fmt: skip
            else:
                raise KeyError(table)
            yield {key: value for key, value in obj.items() if value is not None and value != ""}


def api_batches(
    generator: WorkspaceGenerator, *, batch_size: int = 1_000, tables: Iterable[str] = API_ORDER
) -> Iterator[tuple[str, list[dict]]]:
    """(resource, objects) batches of at most `batch_size`, in an order where every reference exists."""
    if batch_size > 1_000:
        raise ValueError("the API takes at most 1,000 objects per request")
    renderer = ApiRenderer(generator)
    streams = {"campaigns": generator.campaigns, "spend": generator.spend, "accounts": generator.accounts,
               "leads": generator.leads, "deals": generator.deals, "touchpoints": generator.touchpoints}  # fmt: skip
    for table in tables:
        batch: list[dict] = []
        for obj in renderer.objects(table, streams[table]()):
            batch.append(obj)
            if len(batch) >= batch_size:
                yield API_RESOURCES[table], batch
                batch = []
        if batch:
            yield API_RESOURCES[table], batch


# --------------------------------------------------------------------------- entry points


def seed_workspace(*, workspace, scale: Scale | str, seed: int = 1, until: datetime | None = None, progress=None):
    """Fill `workspace` with generated data through the ORM; returns rows per table."""
    generator = WorkspaceGenerator(
        scale=scale, seed=seed, time_zone=workspace.time_zone, until=until, site=f"www.{workspace.slug}.example"
    )
    return load_orm(workspace, generator, progress=progress)


def seed_demo_workspace(*, workspace, seed: int = 1) -> dict[str, int]:
    """A few months of realistic data up to now, for `make run` (seconds on SQLite)."""
    return seed_workspace(workspace=workspace, scale="demo", seed=seed)


__all__ = [
    "SCALES",
    "TABLES",
    "ApiRenderer",
    "CopyRenderer",
    "LocalClock",
    "Scale",
    "WorkspaceGenerator",
    "api_batches",
    "load_copy",
    "load_orm",
    "seed_demo_workspace",
    "seed_workspace",
]
