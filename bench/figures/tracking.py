"""Figures of first-party web tracking (issue 17), on the same gunicorn process as the ingestion figure.

- the collector's throughput: single events (page views, as browsers send
  them, three per visitor address and agent, so a third start a session) POSTed
  to /t/collect by four clients, against as many page views POSTed one per
  request to /api/v1/touchpoints/ (the API's per-event cost; its batch figure
  is above);
- a flood from one address (three connections: as fast as they are answered
  until its budget is spent, then at ten times the budget's pace) while
  another site's visitors send page views: the other site's median latency,
  timed from the flood's first 429, against the same traffic alone;
- freshness: from one tracked page view to /api/v1/kpis/ counting it, with a
  Celery worker running (p95).

The web process trusts X-Forwarded-For from 127.0.0.1 (TRUSTED_PROXIES), so
each client says which visitor address it is; the per-site budget is lifted for
the throughput run (one site sending thousands of events a second).
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from datetime import UTC, datetime

from bench.registry import Result, Skipped, figure

ORIGIN = "https://bench.example"
EVENTS = 4000
# The flood, once its address's budget (TRACKING_ADDRESS_RATE, 600 a minute) is spent: ten times that pace.
FLOOD_PER_SECOND = 100
CLIENTS = 4
AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{}.0 Safari/537.36"


def _site(bench, name: str):
    """A workspace with an API key and a site key for ORIGIN (one per name, kept in bench.state)."""
    state = bench.state.setdefault("tracking_sites", {})
    if name not in state:
        from tracking.sites import SiteSettings, site_key_create

        workspace, api_key = bench.provision(name, time_zone="Europe/Berlin")
        settings = SiteSettings(name=name, allowed_origins=[ORIGIN], honour_dnt=True, capture_forms=False,
                                campaign_parameter="utm_campaign")  # fmt: skip
        state[name] = (workspace, api_key, site_key_create(workspace=workspace, settings=settings).token)
    return state[name]


class Client:
    """One keep-alive connection to the web process."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        for attempt in (1, 2):
            try:
                self.connection.request("POST", path, body=body, headers={"Host": "127.0.0.1", **headers})
                response = self.connection.getresponse()
                response.read()
                return response.status
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                self.connection.close()  # the server closed an idle keep-alive connection: open another
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _event(i: int, path: str = "/pricing", views_per_visitor: int = 1) -> tuple[bytes, dict[str, str]]:
    """Event `i`: a page view of visitor i // views_per_visitor (its address and agent)."""
    body = json.dumps({"e": "pageview", "u": f"{ORIGIN}{path}?utm_source=bench", "r": ""}).encode()
    i //= views_per_visitor
    address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
    return body, {"Origin": ORIGIN, "Content-Type": "text/plain", "User-Agent": AGENT.format(i % 50),
                  "X-Forwarded-For": address}  # fmt: skip


def _touchpoint(i: int, key: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"kind": "page_view", "occurred_at": datetime.now(UTC).isoformat(), "visitor_id": f"v{i}",
                       "session_id": f"s{i}", "url": f"{ORIGIN}/pricing"}).encode()  # fmt: skip
    return body, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def _run(port: int, path: str, requests: list[tuple[bytes, dict]], expect: int, clients: int = CLIENTS) -> float:
    """Seconds to send `requests` from `clients` threads; every answer must be `expect`."""
    pending = list(reversed(requests))
    lock = threading.Lock()
    failures: list[int] = []

    def work() -> None:
        client = Client(port)
        while True:
            with lock:
                if not pending or failures:
                    return
                body, headers = pending.pop()
            status = client.post(path, body, headers)
            if status != expect:
                with lock:
                    failures.append(status)

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{path} answered {failures[0]} (expected {expect})")
    return time.perf_counter() - started


def _web(bench) -> int:
    from bench.figures.ingestion import start_web

    port, _process = start_web(bench)
    status = Client(port).post("/t/collect", b"{}", {"Origin": ORIGIN})
    if status == 404:
        raise Skipped("no collector (POST /t/collect answered 404)")
    return port


@figure("tracking: collector events/s (1 web process)", unit="events/s", order=25)
def collector_rate(bench) -> Result:
    port = _web(bench)
    _workspace, api_key, token = _site(bench, "Bench Tracking")
    count = EVENTS // 4 if bench.scale_name == "small" else EVENTS
    collector_s = _run(port, f"/t/collect?site={token}", [_event(i, views_per_visitor=3) for i in range(count)], 202)
    api_s = _run(port, "/api/v1/touchpoints/", [_touchpoint(i, api_key) for i in range(count)], 200)
    return Result(
        value=count / collector_s,
        baseline=count / api_s,
        baseline_label="POST /api/v1/touchpoints/, 1 per request",
        note=f"{count:,} page views of {count // 3:,} visitors, {CLIENTS} clients: {collector_s:.1f} s; API {api_s:.1f} s",
    )


def _latencies(port: int, token: str, first: int, count: int) -> list[float]:
    client = Client(port)
    timings = []
    for i in range(first, first + count):
        body, headers = _event(i, "/other")
        started = time.perf_counter()
        status = client.post(f"/t/collect?site={token}", body, headers)
        timings.append(time.perf_counter() - started)
        if status != 202:
            raise RuntimeError(f"the other site's event answered {status}")
        time.sleep(0.005)
    return timings


@figure("tracking: other site's median while one address floods at 10×", unit="ms", target="≤ 1.25× alone",
        order=26, rule=lambda r: r.ratio is not None and r.ratio <= 1.25)  # fmt: skip
def flood_isolation(bench) -> Result:
    port = _web(bench)
    _w, _k, flooded = _site(bench, "Bench Tracking")
    _w, _k, other = _site(bench, "Bench Tracking B")
    count = 100 if bench.scale_name == "small" else 300
    alone = _latencies(port, other, 1_000_000, count)
    stop = threading.Event()
    refused = [0, 0]

    def flood() -> None:
        """As fast as answered until the budget is spent, then ten times the budget's pace (all threads)."""
        client = Client(port)
        body, headers = _event(7)
        headers = {**headers, "X-Forwarded-For": "198.51.100.66"}
        while not stop.is_set():
            status = client.post(f"/t/collect?site={flooded}", body, headers)
            refused[status == 429] += 1
            if refused[1]:
                time.sleep(len(floods) / FLOOD_PER_SECOND)

    floods = [threading.Thread(target=flood) for _ in range(3)]
    for thread in floods:
        thread.start()
    try:
        deadline = time.monotonic() + 120
        while not refused[1]:  # B is timed from the flood's first 429, as the API's isolation figure is
            if time.monotonic() > deadline:
                raise RuntimeError(f"no 429 after {sum(refused):,} events from one address")
            time.sleep(0.05)
        during = _latencies(port, other, 2_000_000, count)
    finally:
        stop.set()
        for thread in floods:
            thread.join()
    p95s = [statistics.quantiles(timings, n=20)[-1] * 1000 for timings in (alone, during)]
    return Result(
        value=statistics.median(during) * 1000,
        baseline=statistics.median(alone) * 1000,
        baseline_label="alone",
        note=f"p95 {p95s[1]:.0f} ms (alone {p95s[0]:.0f}); the flood: {sum(refused):,} events from one address, "
        f"{refused[1]:,} refused with 429",
    )


@figure("tracking: freshness p95 (page view → KPI API)", unit="s", target="< 2 s", rule=lambda r: r.value < 2,
        order=61)  # fmt: skip
def tracking_freshness(bench) -> Result:
    from bench.figures.kpis import _page_views_today, start_worker

    port = _web(bench)
    start_worker(bench)
    workspace, api_key, token = _site(bench, "Bench Tracking Fresh")
    today = datetime.now(UTC).astimezone(workspace.tz).date().isoformat()
    client = Client(port)
    rounds = 3 if bench.scale_name == "small" else 10
    timings = []
    for round_ in range(rounds + 1):  # the first warms up, not counted
        before = _page_views_today(port, api_key, today)
        body, headers = _event(5_000_000 + round_, "/fresh")
        started = time.perf_counter()
        status = client.post(f"/t/collect?site={token}", body, headers)
        if status != 202:
            raise RuntimeError(f"/t/collect answered {status}")
        while _page_views_today(port, api_key, today) < before + 1:
            if time.perf_counter() > started + 60:
                raise RuntimeError("not fresh after 60 s")
            time.sleep(0.02)
        if round_:
            timings.append(time.perf_counter() - started)
    return Result(
        value=statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0],
        note=f"{len(timings)} page views, one at a time; median {statistics.median(timings):.2f} s",
    )
