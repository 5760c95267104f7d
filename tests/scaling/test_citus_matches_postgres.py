"""Issue 22: the same generated workspace gives the same rollup rows and KPI answers on plain PostgreSQL and Citus.

The Citus side runs here, in the test's transaction on the Citus database;
the plain side in a subprocess against `<that database>_plain` on the plain
PostgreSQL server (COMPARE_SERVER_URL), made and migrated if missing. Both
run `tests.scaling.compared_workspace` (see there what is dumped) and roll
back, and run at the same time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

from tests.clock import SEEDED_NOW
from tests.scaling.compared_workspace import compared_dump, rollup_tables

pytestmark = pytest.mark.skipif(
    os.environ.get("CITUS") != "1",
    reason="compares a Citus database with plain PostgreSQL: runs on Citus only (CITUS=1, .ci/citus)",
)

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("COMPARE_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
SHOWN = 5  # differing rows shown per table, differing values per answer


def _plain_database() -> str:
    """The plain PostgreSQL database's URL, created if missing (the subprocess migrates it)."""
    name = f"{settings.DATABASES['default']['NAME']}_plain"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def _start_plain_dump(out: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _plain_database(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    # A plain database, connected to as its owner; a cache of its own (the same workspace and key ids
    # may exist in both databases, so no cached entry of one may be read by the other).
    for name in ("CITUS", "APP_DB_ROLE", "TEST_DB_ADMIN_ROLE", "CACHE_URL"):
        env.pop(name, None)
    command = [sys.executable, "-m", "tests.scaling.compared_workspace", "--migrate", str(out)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _plain_dump(process: subprocess.Popen, out: Path) -> dict[str, Any]:
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, f"the plain PostgreSQL side failed:\n{output[-4000:]}"
    return json.loads(out.read_text())


def table_differences(table: str, plain: list[list], citus: list[list]) -> list[str]:
    """The rows of `table` missing on one side or different, by key, the first SHOWN of each kind."""
    columns, key = rollup_tables()[table]
    at = [columns.index(column) for column in key]

    def keyed(rows: list[list]) -> dict[tuple, list]:
        return {tuple(row[i] for i in at): row for row in rows}

    left, right = keyed(plain), keyed(citus)
    found = [f"{table}: {len(plain)} rows on PostgreSQL, {len(citus)} on Citus"] if len(plain) != len(citus) else []
    only_plain = [k for k in left if k not in right]
    only_citus = [k for k in right if k not in left]
    changed = [k for k in left if k in right and left[k] != right[k]]
    for label, keys in (("only on PostgreSQL", only_plain), ("only on Citus", only_citus)):
        found += [f"{table} {dict(zip(key, k))}: {label}" for k in keys[:SHOWN]]
    for k in changed[:SHOWN]:
        cells = {c: (a, b) for c, a, b in zip(columns, left[k], right[k]) if a != b}
        found.append(f"{table} {dict(zip(key, k))}: (PostgreSQL, Citus) {cells}")
    hidden = sum(max(0, len(keys) - SHOWN) for keys in (only_plain, only_citus, changed))
    if hidden:
        found.append(f"{table}: … and {hidden} more")
    return found


def value_differences(path: str, plain: Any, citus: Any) -> list[str]:
    """The leaves of two JSON values that differ, by path."""
    if isinstance(plain, dict) and isinstance(citus, dict):
        return [
            line
            for name in sorted(plain.keys() | citus.keys())
            for line in value_differences(f"{path}.{name}", plain.get(name, "<absent>"), citus.get(name, "<absent>"))
        ]
    if isinstance(plain, list) and isinstance(citus, list):
        found = [] if len(plain) == len(citus) else [f"{path}: {len(plain)} items on PostgreSQL, {len(citus)} on Citus"]
        return found + [
            line for i, (a, b) in enumerate(zip(plain, citus)) for line in value_differences(f"{path}[{i}]", a, b)
        ]
    return [] if plain == citus else [f"{path}: PostgreSQL {plain!r}, Citus {citus!r}"]


def differences(plain: dict[str, Any], citus: dict[str, Any]) -> list[str]:
    found = []
    for stage in ("full rebuild", "after writes"):
        for table in rollup_tables():
            found += [f"{stage}: {line}" for line in table_differences(table, plain[stage][table], citus[stage][table])]
    found += value_differences("writes", plain["writes"], citus["writes"])
    for label in sorted(plain["api"].keys() | citus["api"].keys()):
        found += value_differences(label, plain["api"].get(label), citus["api"].get(label))[:SHOWN]
    return found


@pytest.mark.django_db
def test_citus_gives_the_rows_and_answers_of_plain_postgres(tmp_path):
    out = tmp_path / "plain.json"
    process = _start_plain_dump(out)
    try:
        citus = json.loads(json.dumps(compared_dump(SEEDED_NOW)))  # as the plain side's, through JSON
    except BaseException:
        process.kill()
        process.wait()
        raise
    plain = _plain_dump(process, out)

    assert plain["database"] == {"citus": False}
    assert citus["database"] == {"citus": True, "distributed rollup tables": len(rollup_tables())}
    # Not a comparison of two empty dumps: every table has rows and every kind of answer is there.
    for stage in ("full rebuild", "after writes"):
        assert all(citus[stage].values()), {table: len(rows) for table, rows in citus[stage].items()}
    assert len(citus["api"]) >= 100
    assert len(citus["writes"]) == 6
    found = differences(plain, citus)
    assert not found, f"{len(found)} differences:\n" + "\n".join(found)
