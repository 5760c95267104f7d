"""`make bench [SCALE=small|medium|large] [SCALING=1] [DATABASE=citus]`: measure, against baselines of the same run.

On the local PostgreSQL: create a throwaway database, migrate, generate a workspace
at SCALE and COPY it in, run every registered figure (bench/figures/), print the
table and write bench/results.json (with the machine), then drop the database.
`--database citus` adds the `citus:` figures: the same workspace on the
three-node Citus cluster, beside PostgreSQL (bench/citus.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = os.environ.get("BENCH_DATABASE", "pulse_bench")  # another name lets two benches run side by side
MAIN_TIME_ZONE = "America/New_York"


def machine(cursor) -> dict:
    cursor.execute("SHOW server_version")
    memory_kb = 0
    cpu = platform.processor()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "postgresql": cursor.fetchone()[0],
        "python": platform.python_version(),
        "os": platform.platform(),
    }


class Bench:
    """What figures get: the database, the loaded workspace, the scale, and helpers to add more."""

    def __init__(self, *, scale_name: str, seed: int, server: str, scaling: bool, progress) -> None:
        from sampledata.scales import SCALES

        self.scale_name = scale_name
        self.scale = SCALES[scale_name]
        self.seed = seed
        self.server = server.rstrip("/")
        self.database_url = f"{self.server}/{DATABASE}"
        self.scaling = scaling
        self.progress = progress
        self.until = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.workspace = None
        self.load_stats: dict = {}
        self.scratch = Path(tempfile.mkdtemp(prefix="pulse-bench-"))
        self.state: dict = {}  # figures may leave things for later figures (servers, workspaces)

    # ------------------------------------------------------------------ helpers for figures

    def cursor(self):
        from django.db import connection

        return connection.cursor()

    def provision(self, name: str, time_zone: str = "UTC") -> tuple:
        """A workspace and an API key, as an operator would make them (`manage.py provision`)."""
        from django.core.management import call_command

        from accounts.models import Workspace

        out = StringIO()
        call_command(
            "provision",
            agency="Bench Agency",
            workspace=name,
            owner_email="bench@bench.example",
            password="bench-password-2026",
            timezone=time_zone,
            stdout=out,
        )
        answer = json.loads(out.getvalue().strip().splitlines()[-1])
        return Workspace.objects.get(slug=answer["workspace"]), answer["api_key"]

    def generator(self, scale, seed: int | None = None, time_zone: str = MAIN_TIME_ZONE, *, until=None, prefix=""):
        from sampledata.generation import WorkspaceGenerator

        return WorkspaceGenerator(
            scale=scale, seed=self.seed if seed is None else seed, time_zone=time_zone, until=until or self.until,
            prefix=prefix,
        )  # fmt: skip

    def load(
        self, workspace, generator, *, tables=None, tee=None, id_bases=None, label: str = "load"
    ) -> tuple[dict, float]:
        """COPY a generated workspace in; returns (rows per table, seconds)."""
        from sampledata.rows import TABLES
        from sampledata.sinks.copy import load_copy

        def progress(table: str, count: int) -> None:
            self.progress.update(f"{label}: {table} {count:,}")

        started = time.perf_counter()
        with self.cursor() as cursor:
            # A figure's statement timeout guards its queries, not a COPY of millions of rows (SCALING's 4×).
            cursor.execute("SHOW statement_timeout")
            (timeout,) = cursor.fetchone()
            cursor.execute("SET statement_timeout = 0")
            try:
                counts = load_copy(
                    cursor, workspace.pk, generator, tables=tables or TABLES, tee=tee, progress=progress,
                    id_bases=id_bases,
                )  # fmt: skip
                elapsed = time.perf_counter() - started
                cursor.execute("VACUUM (ANALYZE)")  # the steady state autovacuum keeps: visibility maps set
            finally:
                cursor.execute("SELECT set_config('statement_timeout', %s, false)", [timeout])
        return counts, elapsed


class Phases:
    """How long each phase of the run took (results.json, and a line at the end): where the time goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, name: str) -> float:
        now = time.monotonic()
        self.seconds[name] = round(now - self._last, 1)
        self._last = now
        return self.seconds[name]

    def line(self) -> str:
        return ", ".join(f"{name} {seconds:g} s" for name, seconds in self.seconds.items())


def unique_workspace_ids(cursor) -> None:
    """Start this run's workspace ids at a random point: rate-limit counters in Redis are keyed by
    workspace id, and a run before this one (in the same window) or beside it (another BENCH_DATABASE)
    must not spend this run's budgets."""
    start = 1_000_000 + secrets.randbelow(1_000_000_000)
    cursor.execute("SELECT setval(pg_get_serial_sequence('accounts_workspace', 'id'), %s, false)", [start])


def stop_all(stops: list) -> None:
    """Stop the servers and workers figures left running, all at once: each waits for its own graceful exit."""

    def stop_quietly(stop) -> None:
        try:
            stop()
        except Exception as error:
            print(f"cleanup: {error}", file=sys.stderr)

    threads = [threading.Thread(target=stop_quietly, args=(stop,)) for stop in stops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def create_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")


def drop_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if abs(value) >= 1000:
            text = f"{value:,.0f}"
        elif abs(value) >= 10:
            text = f"{value:.1f}"
        else:
            text = f"{value:.3g}"
    else:
        text = f"{value:,}"
    return f"{text} {unit}".strip()


def table(rows: list[dict]) -> str:
    headers = ["figure", "value", "baseline", "ratio", "target", "result"]
    body = []
    for row in rows:
        if row["status"] != "ok":
            body.append([row["figure"], row["status"], "", "", row["target"], row.get("note", "")[:60]])
            continue
        ratio = row.get("ratio")
        baseline = fmt(row.get("baseline"), row["unit"])
        if row.get("baseline_label"):
            baseline += f" ({row['baseline_label']})"
        body.append(
            [
                row["figure"],
                fmt(row["value"], row["unit"]),
                baseline,
                "—" if ratio is None else f"{ratio:.2f}×",
                row["target"],
                row["verdict"],
            ]
        )
    widths = [max(len(str(line[i])) for line in [headers, *body]) for i in range(len(headers))]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("-|-".join("-" * w for w in widths))
    for line in body:
        lines.append(" | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scaling", default="", help="1 to measure at 1×, 2×, 4× of the scale (default: off)")
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", DEFAULT_SERVER))
    parser.add_argument("--only", default="", help="comma-separated figure names to run")
    parser.add_argument(
        "--figure-timeout", type=float, default=0, help="seconds any one SQL statement of a figure may take"
    )
    parser.add_argument(
        "--database", default="postgresql", choices=["postgresql", "citus"],
        help="citus: also measure the `citus:` figures on the Citus cluster (bench/citus.py)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args(argv)
    scaling = args.scaling.strip().lower() in {"1", "true", "yes", "on"}

    os.environ["DATABASE_URL"] = f"{args.server.rstrip('/')}/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DEBUG"] = "false"  # no query log growing in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    from bench.progress import Progress

    started = time.monotonic()
    phases = Phases()
    create_database(args.server)
    django.setup()

    from django.core.management import call_command

    from bench.figures import load_figures
    from bench.registry import FIGURES, Result, Skipped, as_dict
    from sampledata.scales import SCALES

    if args.scale not in SCALES:
        parser.error(f"unknown scale {args.scale!r}; one of {', '.join(SCALES)}")
    load_figures()
    chosen = [f for f in FIGURES if not args.only or f.name in args.only.split(",")]
    if args.database != "citus":
        chosen = [f for f in chosen if not f.name.startswith("citus:")]
    progress = Progress(steps=3 + len(chosen))
    bench = Bench(scale_name=args.scale, seed=args.seed, server=args.server, scaling=scaling, progress=progress)
    bench.state["keep"] = args.keep
    rows: list[dict] = []
    phases.lap("setup")
    try:
        progress.step("migrate")
        call_command("migrate", verbosity=0)
        with bench.cursor() as cursor:
            info = machine(cursor)
            unique_workspace_ids(cursor)
        phases.lap("migrate")
        progress.step(f"generate and COPY a {args.scale} workspace")
        from bench.figures.load import load_main_workspace

        load_main_workspace(bench)
        phases.lap("load")
        timeout = args.figure_timeout or min(300, max(60, bench.load_stats["rows"] / 10_000))
        os.environ["PGOPTIONS"] = f"-c statement_timeout={int(timeout * 1000)}"  # the figures' child processes
        for item in chosen:
            progress.step(item.name)
            try:
                # A runaway query fails its figure instead of stalling the bench.
                with bench.cursor() as cursor:
                    cursor.execute(f"SET statement_timeout = {int(timeout * 1000)}")
                result = item.measure(bench)
                assert isinstance(result, Result)
                rows.append(as_dict(item, result, "ok"))
            except Skipped as reason:
                rows.append(as_dict(item, None, "skipped", str(reason)))
            except Exception as error:  # a broken figure is reported, the others still run
                rows.append(as_dict(item, None, "error", f"{type(error).__name__}: {error}"))
            rows[-1]["seconds"] = phases.lap(item.name)
        progress.finish()
    finally:
        stop_all(bench.state.get("cleanup", []))
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.server)
        for path in bench.scratch.glob("*"):
            path.unlink()
        bench.scratch.rmdir()
        phases.lap("cleanup")

    duration = time.monotonic() - started
    for row in rows:
        row["machine"] = info
    results = {
        "command": f"make bench SCALE={args.scale}"
        + (" SCALING=1" if scaling else "")
        + (" DATABASE=citus" if args.database == "citus" else ""),
        "scale": args.scale,
        "scale_size": bench.scale.__dict__,
        "seed": args.seed,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(duration, 1),
        "machine": info,
        "load": bench.load_stats,
        "phases_s": phases.seconds,
        "figures": rows,
    }
    output = Path(args.output)
    output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(
        f"{results['command']}: {bench.load_stats.get('rows', 0):,} rows "
        f"({bench.load_stats.get('touchpoints', 0):,} touchpoints) on {info['cores']} cores, "
        f"{info['memory_gb']} GB, PostgreSQL {info['postgresql']}, in {duration:.0f} s"
    )
    print(table(rows))
    print(f"\nseconds by phase: {phases.line()}")
    from bench.figures.scaling import PLOT

    print(f"\nwritten: {output}" + (f" and {PLOT}" if scaling else ""))
    for row in rows:
        if row["status"] == "error":
            print(f"error in {row['figure']}: {row['note']}", file=sys.stderr)
    return 1 if any(r["status"] == "error" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
