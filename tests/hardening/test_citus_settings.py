"""The per-transaction settings as a Citus coordinator receives them (issue 22): SET LOCAL, values checked.

SET takes no bind parameters, so the statement is built from the values;
only a workspace id (ASCII digits) or nothing, and `on` or nothing, may pass.
"""

from __future__ import annotations

import pytest

from accounts.rls import CITUS_WORKSPACE_MATCH, WORKSPACE_MATCH
from config.db.postgresql.base import citus_set_sql


def test_the_settings_reach_the_workers_as_set_local():
    assert citus_set_sql(("12", "on")) == (
        "SET LOCAL citus.propagate_set_commands = 'local';"
        " SET LOCAL app.workspace_id = '12'; SET LOCAL app.rls_bypass = 'on'"
    )
    assert citus_set_sql(("", "")).endswith("SET LOCAL app.workspace_id = ''; SET LOCAL app.rls_bypass = ''")


@pytest.mark.parametrize(
    "wanted",
    [("1'; RESET ROLE; --", ""), ("-1", ""), ("1 ", ""), ("\u0661", ""), ("1", "off"), ("1", "on'; --")],
)
def test_anything_but_a_workspace_id_and_the_flag_is_refused(wanted):
    with pytest.raises(ValueError):
        citus_set_sql(wanted)


def test_the_citus_policy_has_no_subquery_and_reads_the_same_settings():
    assert "SELECT" not in CITUS_WORKSPACE_MATCH.upper() and "(SELECT" in WORKSPACE_MATCH
    for reading in (
        "NULLIF(current_setting('app.workspace_id', true), '')::bigint",
        "current_setting('app.rls_bypass', true) = 'on'",
    ):
        assert reading in CITUS_WORKSPACE_MATCH and reading in WORKSPACE_MATCH
