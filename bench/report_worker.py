"""A worker process rendering and sending the default report once: `python -m bench.report_worker SLUG`.

Run by the reports figure (bench/figures/reports.py) with the production settings on the bench
database and EMAIL_URL pointing at an SMTP server of the bench's. It claims last month's
delivery of a paused schedule of the workspace, sends it as a worker would (`reports.schedules.deliver`),
removes the schedule, and prints one JSON line: seconds, status, peak RSS (MB) of this process.
`--idle` only sets Django up and imports the reports code: the same process's baseline.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def peak_mb() -> float:
    """This process's own peak RSS (VmHWM): the rusage of a forked child also counts its parent's pages."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()
    from datetime import time as clock_time

    from django.utils import timezone

    from accounts.models import Workspace
    from accounts.tenancy import workspace_scope
    from reports import schedules
    from reports.models import Recipient, Schedule
    from reports.periods import covered_period

    if argv[0] == "--idle":
        return {"peak_mb": peak_mb()}
    workspace = Workspace.objects.get(slug=argv[0])
    with workspace_scope(workspace):
        schedule = Schedule.objects.create(name="bench", send_time=clock_time(8), coverage="last_month", active=False)
        Recipient.objects.create(schedule=schedule, email="client@bench.example")
        period = covered_period("last_month", timezone.now().astimezone(workspace.tz).date())
        delivery = schedules.claim(schedule, period, timezone.now())
    started = time.perf_counter()
    status = schedules.deliver(delivery.pk)
    seconds = time.perf_counter() - started
    with workspace_scope(workspace):
        error = Schedule.objects.get(pk=schedule.pk).deliveries.get().error
        schedule.delete()
    return {
        "seconds": seconds,
        "status": status,
        "error": error,
        "peak_mb": peak_mb(),
        "period": f"{period.first.isoformat()} – {period.last.isoformat()}",
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
