"""The worked example of shared/kpi_examples: every value of expected.json."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from accounts.tenancy import workspace_scope
from campaigns.models import Account, Campaign
from kpis.catalog import KPIS
from kpis.selectors import account_scores, attribution_for_period, kpis_for_period
from kpis.services import recompute_rollups
from tests.kpis.loader import load_workspace_data

SEO_LEVELS = ("backlinks", "referring_domains", "backlinks_gained")
EXAMPLES = Path(settings.BASE_DIR).parent / "shared" / "kpi_examples"

pytestmark = pytest.mark.skipif(
    not (EXAMPLES / "expected.json").exists(), reason=f"the worked example is not there: {EXAMPLES}"
)


@pytest.fixture(scope="module")
def expected():
    return json.loads((EXAMPLES / "expected.json").read_text())


@pytest.fixture
def example_workspace(workspace, expected):
    workspace.time_zone = expected["workspace_time_zone"]
    workspace.gross_margin = Decimal(expected["gross_margin"])
    workspace.save()
    load_workspace_data(workspace, json.loads((EXAMPLES / "workspace.json").read_text()))
    recompute_rollups(workspace_id=workspace.pk)
    return workspace


def assert_metric(name, actual, wanted):
    if wanted is None:
        assert actual is None, name
    elif KPIS[name].kind.is_money:
        assert actual is not None and f"{actual:.2f}" == wanted, (name, actual, wanted)
    elif isinstance(wanted, int) and not isinstance(wanted, bool) and name not in ("unsubscribe_rate",):
        assert actual == wanted, (name, actual, wanted)
    else:
        assert actual is not None and round(actual, 9) == pytest.approx(wanted, abs=1e-9), (name, actual, wanted)


def test_every_kpi_of_every_case(example_workspace, expected):
    failures = []
    for case in expected["kpis"]:
        campaign = channel = None
        if case["scope"]:
            kind, value = case["scope"]
            if kind == "campaign":
                with workspace_scope(example_workspace):
                    campaign = Campaign.objects.get(external_id=value)
            else:
                channel = value
        actual = kpis_for_period(
            workspace=example_workspace,
            first_day=date.fromisoformat(case["from"]),
            last_day=date.fromisoformat(case["to"]),
            campaign=campaign,
            channel=channel,
        )
        # The example predates the SEO levels: it has no SEO stats, so they are null.
        extra = set(actual) - set(case["metrics"])
        assert set(case["metrics"]) <= set(actual) and extra <= set(SEO_LEVELS)
        assert all(actual[name] is None for name in extra)
        for name, wanted in case["metrics"].items():
            try:
                assert_metric(name, actual[name], wanted)
            except AssertionError as error:
                failures.append((case["from"], case["to"], case["scope"], *error.args))
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.parametrize("model", ["first_touch", "last_touch", "linear", "position_based", "time_decay"])
def test_attribution(example_workspace, expected, model):
    period = expected["attribution"]
    rows = attribution_for_period(
        workspace=example_workspace,
        first_day=date.fromisoformat(period["from"]),
        last_day=date.fromisoformat(period["to"]),
        model=model,
    )
    actual = {row["campaign"]: (f"{row['revenue']:.2f}", round(row["deals"], 9)) for row in rows if row["deals"]}
    wanted = {name: (value["revenue"], value["deals"]) for name, value in period["models"][model].items()}
    assert actual == wanted


def test_account_scores(example_workspace, expected):
    rows = account_scores(workspace=example_workspace, at=date.fromisoformat(expected["account_scores_at_end_of"]))
    with workspace_scope(example_workspace):
        targets = set(Account.objects.filter(is_target=True).values_list("external_id", flat=True))
    assert {row["account"] for row in rows} == targets
    for row in rows:
        assert row["score"] == pytest.approx(expected["account_scores"].get(row["account"], 0.0), abs=1e-7)
        assert row["is_mqa"] == (row["score"] >= float(example_workspace.mqa_threshold))
