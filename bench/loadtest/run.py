"""`make loadtest [LOADTEST_SECONDS=60] [LOADTEST_USERS=6]`: a bounded load run on this machine.

On the local PostgreSQL: create a throwaway database, migrate it as the
superuser (tables' owner) granting an ordinary role, so the app runs under
row-level security as in production; provision three workspaces and seed
them; start gunicorn and a Celery worker as the ordinary role, with Redis as
broker and shared cache; run locust headless for the given time; measure how
long a last write takes to show in the KPIs; print requests/s, p95 and p99
per kind and the error rate (429s apart); write artifacts/loadtest.json; stop
everything and drop the database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent.parent
# The worker reads the default queue and the heavy one (config/celery_app.py: full recomputes, exports).
WORKER_QUEUES = "celery,celery.heavy"
BIN = Path(sys.executable).parent
SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "pulse_loadtest"
APP_ROLE = "pulse_loadtest_app"
APP_PASSWORD = "loadtest-only"  # a throwaway role on a throwaway database
BROKER = "redis://127.0.0.1:6379/10"
CACHE = "redis://127.0.0.1:6379/11"
OWNER_PASSWORD = "load test password 1"


def sh(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    # Our own commands (this venv's executables), never user input.
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, **kwargs)  # noqa: S603
    if done.returncode:
        sys.exit(f"{' '.join(args[1:3])} failed:\n{done.stderr[-3000:]}")
    return done


def reset_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone():
            conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS")


def drop_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")


def flush_redis() -> None:
    import redis

    for url in (BROKER, CACHE):
        redis.Redis.from_url(url).flushdb()


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (a local URL of our own)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def api(base: str, key: str, path: str, body=None) -> dict:
    request = urllib.request.Request(  # noqa: S310
        base + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


def freshness(base: str, workspace: dict) -> float:
    """Seconds from a spend write (after the load) until the KPI summary shows it."""
    day = date.today().isoformat()
    params = f"?from={day}&to={day}"
    before = float(api(base, workspace["api_key"], "/api/v1/kpis/" + params)["metrics"]["spend"])
    api(
        base,
        workspace["api_key"],
        "/api/v1/campaigns/",
        {"external_id": "fresh-probe", "name": "P", "channel": "other"},
    )
    written = time.monotonic()
    api(base, workspace["api_key"], "/api/v1/spend/", {"campaign": "fresh-probe", "date": day, "cost": "1234.00"})
    while time.monotonic() - written < 60:
        spend = float(api(base, workspace["api_key"], "/api/v1/kpis/" + params)["metrics"]["spend"])
        if abs(spend - before - 1234.0) < 0.005:
            return time.monotonic() - written
        time.sleep(0.1)
    return float("inf")


def summarise(prefix: str, seconds: int) -> dict:
    with open(f"{prefix}_stats.csv") as stats_file, open(f"{prefix}_failures.csv") as failures_file:
        stats = list(csv.DictReader(stats_file))
        failures = list(csv.DictReader(failures_file))
    rows = []
    for row in stats:
        if row["Name"] in ("setup", "Aggregated"):
            continue
        rows.append(
            {
                "kind": row["Name"],
                "requests": int(row["Request Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
            }
        )
    total = sum(r["requests"] for r in rows)
    throttled = sum(int(f["Occurrences"]) for f in failures if f["Error"].endswith("429") and f["Name"] != "setup")
    errors = sum(int(f["Occurrences"]) for f in failures if not f["Error"].endswith("429") and f["Name"] != "setup")
    return {
        "seconds": seconds,
        "requests": total,
        "rps": round(total / seconds, 1),
        "errors_non_429": errors,
        "error_rate_non_429": round(errors / total, 5) if total else 0.0,
        "throttled_429": throttled,
        "kinds": rows,
        "errors": [f for f in failures if not f["Error"].endswith("429")][:10],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=6)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--scale", default="tiny", help="generated data per workspace (sampledata.scales.SCALES)")
    parser.add_argument(
        "--as-superuser", action="store_true", help="serve as the superuser (RLS bypassed), to weigh what RLS costs"
    )
    args = parser.parse_args()

    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")}
    common = {**base_env, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    owner_env = {**common, "DATABASE_URL": f"{SERVER}/{DATABASE}", "APP_DB_ROLE": APP_ROLE}
    app_env = {
        **common,
        "DATABASE_URL": (
            f"{SERVER}/{DATABASE}"
            if args.as_superuser
            else f"postgres://{APP_ROLE}:{APP_PASSWORD}@127.0.0.1:5432/{DATABASE}"
        ),
        "CELERY_BROKER_URL": BROKER,
        "CACHE_URL": CACHE,
    }
    python = str(BIN / "python")
    base = f"http://127.0.0.1:{args.port}"
    processes: list[subprocess.Popen] = []
    scratch = Path(tempfile.mkdtemp(prefix="pulse-loadtest-"))
    try:
        print("database, roles and migrations …", flush=True)
        reset_database()
        flush_redis()
        sh([python, "manage.py", "migrate", "--noinput", "-v0"], owner_env)
        sh([python, "manage.py", "collectstatic", "--noinput", "-v0"], app_env)
        workspaces = []
        for n in range(3):
            email = f"owner{n}@loadtest.example"
            out = sh(
                [
                    *(python, "manage.py", "provision", "--agency", f"Agency {n}", "--workspace", f"Client {n}"),
                    *("--owner-email", email, "--password", OWNER_PASSWORD),
                ],
                app_env,
            ).stdout
            made = json.loads(out.strip().splitlines()[-1])
            # As the owner: the generator sets ids itself, then resets the sequences (setval).
            sh(
                [python, "manage.py", "seed_workspace", "--workspace", made["workspace"], "--scale", args.scale],
                owner_env,
            )
            workspaces.append(
                {"slug": made["workspace"], "api_key": made["api_key"], "email": email, "password": OWNER_PASSWORD}
            )
        sh([python, "manage.py", "recompute_kpis"], app_env)
        (scratch / "workspaces.json").write_text(json.dumps(workspaces))

        print("gunicorn and a Celery worker, as the ordinary role …", flush=True)
        log = open(scratch / "servers.log", "w")  # noqa: SIM115
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    str(BIN / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "--loglevel",
                    "WARNING",
                    "--concurrency",
                    "2",
                    "-Q",
                    WORKER_QUEUES,
                ],
                env=app_env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    *(str(BIN / "gunicorn"), "config.wsgi", "-w", str(args.web_workers)),
                    *("-b", f"127.0.0.1:{args.port}", "--access-logfile", "/dev/null"),
                ],
                env=app_env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        wait_until_up(base + "/login/")
        time.sleep(2)  # the worker

        print(f"locust: {args.users} users for {args.seconds} s …", flush=True)
        prefix = str(scratch / "locust")
        subprocess.run(  # noqa: S603
            [
                *(str(BIN / "locust"), "-f", str(Path(__file__).parent / "locustfile.py"), "--headless"),
                *("-u", str(args.users), "-r", str(max(1, args.users // 2)), "-t", f"{args.seconds}s"),
                *("--host", base, "--csv", prefix, "--only-summary", "--loglevel", "WARNING"),
                *("--workspaces-file", str(scratch / "workspaces.json")),
            ],
            cwd=ROOT,
            check=False,
            timeout=args.seconds + 120,
        )
        result = summarise(prefix, args.seconds)
        try:
            result["freshness_s"] = round(freshness(base, workspaces[0]), 2)
        except urllib.error.HTTPError as error:
            result["freshness_s"] = None
            print(f"freshness probe failed: {error}: {error.read()[:300]!r}")
        result["setup"] = {
            "users": args.users,
            "web_workers": args.web_workers,
            "scale": args.scale,
            "cpus": os.cpu_count(),
            "database_role": "superuser (RLS bypassed)" if args.as_superuser else "ordinary (RLS applies)",
        }
        result["targets"] = verdicts(result)
        print_table(result)
        out = ROOT / "artifacts" / "loadtest.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(result, indent=2))
        print(f"written to {out.relative_to(ROOT)}")
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        drop_database()


# Issue targets: (what, limit, value of the result) — the run reports each as pass or FAIL.
TARGETS = (
    ("non-429 errors", "< 0.1 %", lambda r: r["error_rate_non_429"] < 0.001),
    ("reads p95", "< 300 ms", lambda r: _worst_p95(r, "read:") < 300),
    ("ingestion p95", "< 500 ms", lambda r: _worst_p95(r, "ingest:") < 500),
    ("KPIs fresh after the last write", "< 5 s", lambda r: r["freshness_s"] is not None and r["freshness_s"] < 5),
)


def _worst_p95(result: dict, kind_prefix: str) -> float:
    return max((row["p95_ms"] for row in result["kinds"] if row["kind"].startswith(kind_prefix)), default=0.0)


def verdicts(result: dict) -> list[dict]:
    return [{"target": f"{what} {limit}", "pass": bool(rule(result))} for what, limit, rule in TARGETS]


def print_table(result: dict) -> None:
    print()
    print("| kind | requests | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for row in result["kinds"]:
        print(
            f"| {row['kind']} | {row['requests']} | {row['rps']} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | {row['p99_ms']:.0f} |"
        )
    print(
        f"\n{result['requests']} requests in {result['seconds']} s ({result['rps']} req/s); "
        f"non-429 errors {result['errors_non_429']} ({result['error_rate_non_429']:.3%}); "
        f"429s {result['throttled_429']}; a write shows in the KPIs {result['freshness_s']} s after the load"
    )
    for verdict in result["targets"]:
        print(f"{verdict['target']}: {'pass' if verdict['pass'] else 'FAIL'}")
    for error in result["errors"]:
        print("error:", error)


if __name__ == "__main__":
    main()
