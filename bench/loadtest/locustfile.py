"""The load of `make loadtest`: 70 % dashboard and KPI reads, 20 % ingestion, 10 % other writes.

Each simulated user works in one workspace (round robin over the run's
workspaces, read from --workspaces-file): API calls with its key, dashboard
pages with its owner's session. A 429 is counted apart (failure "429"), so
that the error rate can leave the rate limit out.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta

from locust import HttpUser, between, events, task

_assignment = itertools.count()


@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    parser.add_argument("--workspaces-file", default="", help="JSON list of {slug, api_key, email, password}")


TOUCHPOINT_KINDS = ["email_open", "email_click", "page_view", "ad_click", "form_submit", "social_engagement"]


class Integration(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        with open(self.environment.parsed_options.workspaces_file) as source:
            workspaces = json.load(source)
        self.workspace = workspaces[next(_assignment) % len(workspaces)]
        self.api = {"Authorization": f"Bearer {self.workspace['api_key']}"}
        today = date.today()
        self.period = {"from": (today - timedelta(days=89)).isoformat(), "to": today.isoformat()}
        campaigns = self.client.get("/api/v1/campaigns/", headers=self.api, name="setup").json()["results"]
        self.campaigns = [c["external_id"] for c in campaigns] or ["loadtest-campaign"]
        self._login()

    def _login(self) -> None:
        self.client.get("/login/", name="setup")
        self.client.post(
            "/login/",
            {
                "username": self.workspace["email"],
                "password": self.workspace["password"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="setup",
        )

    def _call(self, method: str, path: str, name: str, **kwargs) -> None:
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code == 429:
                response.failure("429")
            elif response.status_code >= 400:
                response.failure(f"{response.status_code}: {response.text[:120]}")

    # Reads: 70 %

    @task(25)
    def kpis(self) -> None:
        self._call("GET", "/api/v1/kpis/", "read: KPI summary (API)", params=self.period, headers=self.api)

    @task(10)
    def timeseries(self) -> None:
        params = {**self.period, "metric": random.choice(["spend", "leads", "cpl"]), "grain": "week"}
        self._call("GET", "/api/v1/kpis/timeseries/", "read: KPI timeseries (API)", params=params, headers=self.api)

    @task(10)
    def lists(self) -> None:
        resource = random.choice(["campaigns", "leads", "touchpoints"])
        self._call("GET", f"/api/v1/{resource}/", "read: list (API)", headers=self.api)

    @task(15)
    def dashboard(self) -> None:
        self._call("GET", f"/w/{self.workspace['slug']}/", "read: dashboard page")

    @task(10)
    def chart(self) -> None:
        name = random.choice(["spend-leads", "funnel", "channels"])
        self._call("GET", f"/w/{self.workspace['slug']}/charts/{name}/", "read: chart data")

    # Ingestion: 20 %

    @task(15)
    def touchpoints(self) -> None:
        now = datetime.now(UTC)
        batch = [
            {
                "kind": random.choice(TOUCHPOINT_KINDS),
                "occurred_at": (now - timedelta(minutes=random.randint(0, 600))).isoformat(),
                "campaign": random.choice(self.campaigns),
                "visitor_id": f"v-{random.randint(1, 5000)}",
                "session_id": f"s-{random.randint(1, 20000)}",
                "url": "https://www.example.com/pricing",
            }
            for _ in range(50)
        ]
        self._call("POST", "/api/v1/touchpoints/", "ingest: 50 touchpoints", json=batch, headers=self.api)

    @task(5)
    def spend(self) -> None:
        day = date.today() - timedelta(days=random.randint(0, 30))
        body = {
            "campaign": random.choice(self.campaigns),
            "date": day.isoformat(),
            "cost": f"{random.uniform(10, 500):.2f}",
            "impressions": random.randint(100, 10000),
            "clicks": random.randint(1, 100),
        }
        self._call("POST", "/api/v1/spend/", "ingest: spend", json=body, headers=self.api)

    # Other writes: 10 %

    @task(5)
    def lead(self) -> None:
        external_id = f"lt-{uuid.uuid4().hex[:12]}"
        body = {
            "external_id": external_id,
            "email": f"{external_id}@example.com",
            "created_at": datetime.now(UTC).isoformat(),
            "source_campaign": random.choice(self.campaigns),
        }
        headers = {**self.api, "Idempotency-Key": external_id}
        self._call("POST", "/api/v1/leads/", "write: lead (idempotent)", json=body, headers=headers)

    @task(5)
    def rename_campaign(self) -> None:
        campaign = random.choice(self.campaigns)
        body = {"name": f"Campaign {campaign} ({random.randint(1, 999)})"}
        self._call("PATCH", f"/api/v1/campaigns/{campaign}/", "write: PATCH campaign", json=body, headers=self.api)
