"""Figures of scheduled reports (issue 18): render and send the default report, time and worker memory.

A fresh process (bench/report_worker.py) with the production settings does what a
worker does for one delivery: build last month's default report, lay its PDF out
(WeasyPrint), and send it over SMTP to a server of the bench's own (aiosmtpd). Its
peak RSS is the worker's; the baseline is the same process that only imported the code.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.figures.ingestion import ROOT, _free_port, production_env
from bench.registry import Result, figure


def _worker(bench, *args: str) -> dict:
    child = subprocess.run(  # noqa: S603 (our own module)
        [sys.executable, "-m", "bench.report_worker", *args],
        cwd=ROOT, env=bench.state["report_env"], capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    return json.loads(child.stdout.strip().splitlines()[-1])


def _measured(bench) -> dict:
    if "report_run" in bench.state:
        return bench.state["report_run"]
    from aiosmtpd.controller import Controller

    from bench.figures.kpis import recompute_function

    if "recompute_1x" not in bench.state:  # run alone (--only): the rollups are not built yet
        recompute_function()(workspace_id=bench.workspace.pk)

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        bench.state["report_env"] = production_env(
            bench, EMAIL_URL=f"smtp://127.0.0.1:{controller.port}", LOG_LEVEL="WARNING", CELERY_BROKER_URL=""
        )
        run = _worker(bench, bench.workspace.slug)
        run["idle_mb"] = _worker(bench, "--idle")["peak_mb"]
        run["received"] = Sink.received
    finally:
        controller.stop()
    if run["status"] != "sent" or run["received"] != 1:
        raise RuntimeError(f"the report was not sent: {run}")
    bench.state["report_run"] = run
    return run


@figure("reports: render and send the default report", unit="s", target="< 10 s", rule=lambda r: r.value < 10, order=80)
def report_send_time(bench) -> Result:
    run = _measured(bench)
    return Result(value=run["seconds"], note=f"last month ({run['period']}), PDF over SMTP to a local server")


@figure("reports: worker peak memory", unit="MB", target="< 300 MB", rule=lambda r: r.value < 300, order=81)
def report_worker_memory(bench) -> Result:
    run = _measured(bench)
    return Result(value=run["peak_mb"], baseline=run["idle_mb"], baseline_label="the same process, code imported only")
