"""Target accounts, those engaged in a period and the MQAs at its end (workspace-wide)."""

from __future__ import annotations

from campaigns.models import Account
from kpis.abm import engagement_counts
from kpis.models import AccountFacts
from kpis.reads.scope import Scope
from kpis.reads.spans import each_period


def one(workspace, first_day, last_day, scope: Scope) -> dict:
    """Target accounts, those engaged in P and the MQAs at its end: one pass over the target-account days."""
    threshold = float(workspace.mqa_threshold)
    target_accounts = Account.objects.filter(is_target=True).count()
    engaged, mqas = engagement_counts(workspace, first_day, last_day)
    return {
        "target_accounts": target_accounts,
        "engaged_target_accounts": engaged,
        # Every score is ≥ 0: with a threshold of 0 every target account is an MQA, engaged or not.
        "mqas": target_accounts if threshold <= 0 else mqas,
        "converted_target_accounts": AccountFacts.objects.filter(is_target=True, first_won_on__lte=last_day).count(),
    }


# Per-account windows: one pass per period (charts cap their points).
many = each_period(one)
