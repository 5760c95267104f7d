"""The touchpoints of a generated workspace: every engagement and delivery event, source by source."""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable, Iterator

from sampledata.clock import DAY
from sampledata.draws import allocate, poisson
from sampledata.rows import TouchpointRow
from sampledata.vocabulary import PAGES, WEB_CHANNELS


class TouchpointSources:
    """The touchpoint producers of `generation.WorkspaceGenerator`, which mixes them in.

    They read the state its leads and deals leave (the `lead_*` arrays,
    `_deal_summaries`) and use its day and campaign helpers (`_moment`,
    `_random_day`, `_campaign_rows`, `_active`, `spend()`).
    """

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
            for _ in range(poisson(rng, revisits)):
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
            size = min(eligible, poisson(rng, per_blast))
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
        for offset, today in enumerate(allocate(count, self._day_weights)):
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
            for _ in range(poisson(rng, per_account)):
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
