"""`make bench DATABASE=citus`: the same figures on the three-node Citus cluster, beside plain PostgreSQL.

The run's figures measure plain PostgreSQL in its own process. With
`--database citus` the figures of bench/figures/citus.py call `measured()`
once: it builds a Citus database (the cluster of ../shared/citus: build.sh if
the extension is missing, `cluster.sh start`, `cluster.sh createdb`,
`migrate`, `citus_distribute --shard-count 4`, as .ci/citus does), then runs
this module in a child process (Django holds one database per process)
against the coordinator: the same generated workspace COPYed in, the full
recompute, the write + one-day recompute and the KPI read, measured by the
same functions as on PostgreSQL and printed as JSON. The database is dropped
on every node afterwards unless the bench keeps its own.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(os.environ.get("CITUS_SCRIPTS", ROOT.parent / "shared" / "citus"))
COORDINATOR = os.environ.get("BENCH_CITUS", "postgres://postgres@127.0.0.1:9700")
NODE_PORTS = (9700, 9701, 9702)  # cluster.sh's coordinator and workers
SHARD_COUNT = 4  # as .ci/citus: two shards a worker still put each workspace on one node


def database_name() -> str:
    """This run's Citus database: beside the bench's own name (BENCH_DATABASE), so two runs stay apart."""
    from bench.run import DATABASE

    return os.environ.get("BENCH_CITUS_DATABASE", f"{DATABASE}_citus")


def _child_env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "false"}


def _drop(name: str) -> None:
    """The database on every node (createdb makes one on each)."""
    import psycopg

    for port in NODE_PORTS:
        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _prepare(name: str, progress) -> str:
    """A fresh Citus database, migrated and distributed; returns its URL."""
    if not glob.glob("/usr/lib/postgresql/*/lib/citus.so"):
        progress.update("citus: building the extension (build.sh, a few minutes)")
        subprocess.run([str(SCRIPTS / "build.sh")], check=True)  # noqa: S603
    subprocess.run([str(SCRIPTS / "cluster.sh"), "start"], check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    _drop(name)
    subprocess.run([str(SCRIPTS / "cluster.sh"), "createdb", name], check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    url = f"{COORDINATOR.rstrip('/')}/{name}"
    env = _child_env(url)
    env.pop("PGOPTIONS", None)  # the figures' statement timeout is for measured queries, not for DDL
    for command in (["migrate", "-v0"], ["citus_distribute", "--shard-count", str(SHARD_COUNT)]):
        progress.update(f"citus: manage.py {command[0]}")
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    return url


def measured(bench) -> dict:
    """The Citus figures of this run, measured once (the first figure that asks): see the module's docstring."""
    if "citus" in bench.state:
        if "error" in bench.state["citus"]:
            raise RuntimeError(f"not measured on Citus: {bench.state['citus']['error']}")
        return bench.state["citus"]
    name = database_name()
    bench.state["citus"] = {"error": "see the first citus: figure"}  # the others do not try again
    started = time.perf_counter()
    url = _prepare(name, bench.progress)
    prepared = time.perf_counter() - started
    try:
        bench.progress.update(f"citus: load a {bench.scale_name} workspace and measure")
        process = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.citus", "--scale", bench.scale_name, "--seed", str(bench.seed),
             "--until", bench.until.isoformat()],
            cwd=ROOT, env=_child_env(url), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if process.returncode != 0:
            raise RuntimeError(f"bench.citus exited {process.returncode}: {process.stderr[-1500:]}")
        result = json.loads(process.stdout.strip().splitlines()[-1])
    finally:
        if not bench.state.get("keep"):
            _drop(name)
    result["prepare_s"] = round(prepared, 1)
    bench.state["citus"] = result
    return result


class _Quiet:
    """The child's progress: the parent draws its own."""

    def step(self, label: str) -> None:
        pass

    def update(self, detail: str) -> None:
        pass


def _analyse_rollups(tables: tuple[str, ...]) -> None:
    """VACUUM (ANALYZE) the rollup tables on their shards, after the first build.

    What PostgreSQL gets in the same run: the first build analyses the
    rollup tables it filled (`kpis/statistics.py`). That refresh reads the
    shards on Citus too since kpis 0014, but only past its threshold; done
    here, the write + one-day figure never depends on when the workers'
    autovacuum comes by. (The load's VACUUM reaches the shards.)
    """
    from django.db import connection

    with connection.cursor() as cursor:
        for name in tables:
            cursor.execute(f'VACUUM (ANALYZE) "{name}"')


def _measure(scale: str, seed: int, until: str) -> dict:
    """In the child, on the coordinator: load, full recompute, write + one-day recompute, KPI read."""
    from datetime import date, datetime

    from bench.figures.kpis import (
        _kpis_path,
        _kpis_timings,
        recompute_function,
        rollups_settled,
        write_and_recompute_ms,
        write_rounds,
    )
    from bench.run import MAIN_TIME_ZONE, Bench, unique_workspace_ids
    from kpis.models import ROLLUPS

    rollups = tuple(model._meta.db_table for model in ROLLUPS)
    bench = Bench(scale_name=scale, seed=seed, server=COORDINATOR, scaling=False, progress=_Quiet())
    bench.until = datetime.fromisoformat(until)
    with bench.cursor() as cursor:
        unique_workspace_ids(cursor)
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
        (version,) = cursor.fetchone()
    workspace, key = bench.provision("Bench", time_zone=MAIN_TIME_ZONE)
    counts, load_s = bench.load(workspace, bench.generator(bench.scale))
    recompute = recompute_function()
    started = time.perf_counter()
    recompute(workspace_id=workspace.pk)
    first_build = time.perf_counter() - started
    _analyse_rollups(rollups)
    started = time.perf_counter()
    recompute(workspace_id=workspace.pk)
    full = time.perf_counter() - started
    writes = write_and_recompute_ms(bench, workspace, key, write_rounds(bench))
    rollups_settled(bench)
    last_day = date.fromordinal(bench.generator(bench.scale).last_day)
    reads, queries = _kpis_timings(bench, key, _kpis_path(last_day), repeat=20 if scale == "small" else 40)
    return {
        "citus": version,
        "rows": sum(counts.values()),
        "load_s": round(load_s, 2),
        "first_build_s": first_build,
        "full_recompute_s": full,
        "write_ms": writes,
        "kpis_ms": reads,
        "kpis_p95_ms": statistics.quantiles(reads, n=20)[-1],
        "kpis_queries": queries,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The Citus side of `make bench DATABASE=citus` (a child process).")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--until", required=True, help="the parent's `until` (ISO): the same generated workspace")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    print(json.dumps(_measure(args.scale, args.seed, args.until)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
