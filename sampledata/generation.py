"""`WorkspaceGenerator`: the rows of one workspace, table by table, deterministic from a seed.

Campaigns, spend, accounts, leads and deals are produced here; touchpoints by
`sampledata.touchpoints`, mixed in. The row shapes are in `sampledata.rows`.
"""

from __future__ import annotations

import bisect
import math
import random
from array import array
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sampledata.clock import DAY, LocalClock
from sampledata.draws import allocate
from sampledata.rows import ID_COLUMNS, AccountRow, CampaignRow, DealRow, LeadRow, SpendRow
from sampledata.scales import SCALES, Scale
from sampledata.touchpoints import TouchpointSources
from sampledata.vocabulary import (
    CHANNEL_LABELS,
    CHANNELS,
    FIRST_NAMES,
    FREEMAIL,
    INDUSTRIES,
    LAST_NAMES,
    PRODUCTS,
    SUFFIXES,
    SYLLABLES,
    THEMES,
)


class WorkspaceGenerator(TouchpointSources):
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
                parts = allocate(budget or 0, [1.0] * len(days))
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
        for offset, count in enumerate(allocate(n, self._day_weights)):
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
        columns = ID_COLUMNS.get(table, ())
        for row in rows:
            row = list(row)
            for column in columns:
                if row[column]:
                    row[column] = self.prefix + row[column]
            yield tuple(row)
