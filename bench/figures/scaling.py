"""Figure (SCALING=1): full recompute and freshness at 1×, 2× and 4× the volume of SCALE.

Each multiple is its own workspace in the bench database (same two-year
history, k times the campaigns, accounts, leads, deals and touchpoints). The
figure is how the 4× recompute time grows against the 1× one, beside the same
growth of the plain-SQL baseline; bench/scaling.png plots every point.

Freshness at k× volume recomputes a day holding k× the rows. Whether it grows
with the workspace's *history* is a separate point: a workspace holding the
1× workspace's rows again after three times as much older history at the
same daily volume ("4× history"), whose freshness is set beside the 1× one;
their recent days are the same rows, so only the history differs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bench.figures import kpis
from bench.registry import Result, Skipped, figure

PLOT = Path(__file__).resolve().parent.parent / "scaling.png"
FACTORS = (1, 2, 4)


def measure(bench) -> list[dict]:
    points = []
    try:
        kpis.recompute_function()
        engine = True
    except Skipped:
        engine = False
    for factor in FACTORS:
        if factor == 1:
            workspace, touchpoints = bench.workspace, bench.load_stats["touchpoints"]
            load_s = bench.load_stats["generate_and_copy_s"]
        else:
            bench.progress.update(f"{factor}× workspace")
            workspace, _key = bench.provision(f"Bench {factor}x", time_zone="America/New_York")
            counts, load_s = bench.load(
                workspace, bench.generator(bench.scale.times(factor), seed=bench.seed + factor), label=f"{factor}×"
            )
            touchpoints = counts["touchpoints"]
        point = {"factor": factor, "touchpoints": touchpoints, "load_s": round(load_s, 2)}
        if engine:
            if factor == 1 and "recompute_1x" in bench.state:
                recompute_s, baseline_s = bench.state["recompute_1x"]
            else:
                bench.progress.update(f"{factor}× recompute")
                recompute_s, baseline_s = kpis.full_recompute(bench, workspace.pk)
            point.update(recompute_s=round(recompute_s, 3), baseline_s=round(baseline_s, 3))
        else:
            point["baseline_s"] = round(kpis.plain_sql_baseline(bench, workspace.pk), 3)
        try:
            point["freshness_p95_s"] = kpis.freshness_p95(bench, workspace)
        except Skipped:
            point["freshness_p95_s"] = None
        points.append(point)
    if engine:
        bench.progress.update("4× history workspace")
        workspace, _key = bench.provision("Bench 4x history", time_zone="America/New_York")
        counts, load_s = load_longer_history(bench, workspace, 4)
        kpis.recompute_function()(workspace_id=workspace.pk)
        point = {"factor": "4× history", "touchpoints": counts["touchpoints"], "load_s": round(load_s, 2)}
        try:
            point["freshness_p95_s"] = kpis.freshness_p95(bench, workspace)
        except Skipped:
            point["freshness_p95_s"] = None
        points.append(point)
    return points


def load_longer_history(bench, workspace, factor: int) -> tuple[dict, float]:
    """The main workspace's rows again, after (factor − 1) times its history at the same daily volume.

    Its recent days are the main workspace's, row for row (same seed, same
    ids), so the two differ by their history alone; the older rows get ids
    of their own (prefix "h-").
    """
    recent, recent_s = bench.load(workspace, bench.generator(bench.scale), label=f"{factor}× history: recent")
    older, older_s = bench.load(
        workspace,
        bench.generator(
            bench.scale.longer(factor - 1), seed=bench.seed + 40, prefix="h-",
            until=bench.until - timedelta(days=bench.scale.days),
        ),
        label=f"{factor}× history: older",
    )  # fmt: skip
    return {table: recent[table] + older[table] for table in recent}, recent_s + older_s


def plot(points: list[dict], scale_name: str, path: Path = PLOT) -> None:
    """Two panels: the full recompute beside its baseline, and freshness (the 4× history point starred)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = [p for p in points if p["factor"] == "4× history"]
    points = [p for p in points if p not in history]
    x = [p["touchpoints"] / 1e6 for p in points]
    fig, (full, fresh) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=120)
    for key, label, style in (("recompute_s", "full recompute (engine)", "o-"),
                              ("baseline_s", "plain-SQL GROUP BY baseline", "s--")):  # fmt: skip
        ys = [p.get(key) for p in points]
        if all(y is not None for y in ys):
            full.plot(x, ys, style, label=label)
    full.set_title("Full recompute")
    fresh_ys = [p.get("freshness_p95_s") for p in points]
    if all(y is not None for y in fresh_ys):
        fresh.plot(x, fresh_ys, "^-", color="tab:green", label="×1, ×2, ×4 the data (daily volume too)")
    for p in history:
        if p.get("freshness_p95_s") is not None:
            fresh.plot([p["touchpoints"] / 1e6], [p["freshness_p95_s"]], "k*", markersize=12,
                       label="4× the history, ×1 daily volume")  # fmt: skip
    fresh.axhline(2, color="grey", linestyle=":", label="target: p95 < 2 s")
    fresh.set_title("Freshness p95 (1,000-touchpoint POST → /kpis/)")
    for ax in (full, fresh):
        ax.set_xlabel("touchpoints in the workspace (millions)")
        ax.set_ylabel("seconds")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle(f"Pulse KPI: cost against data size ({scale_name} ×1, ×2, ×4)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


@figure(
    "scaling: recompute 4× / 1×",
    unit="×",
    target="≤ 1.15× plain SQL's growth",
    rule=lambda r: r.ratio is not None and r.ratio <= 1.15,
    order=90,
)
def scaling(bench) -> Result:
    if not bench.scaling:
        raise Skipped("off (SCALING=1 to measure at 1×, 2×, 4×)")
    points = measure(bench)
    plot(points, bench.scale_name)
    volume = [p for p in points if p["factor"] != "4× history"]
    history = [p for p in points if p["factor"] == "4× history"]
    key = "recompute_s" if "recompute_s" in volume[0] else None
    baseline_growth = volume[-1]["baseline_s"] / volume[0]["baseline_s"]
    fresh = [p.get("freshness_p95_s") for p in (volume[0], *history)]
    note = (
        f"freshness p95 {fresh[0]:.2f} s at 1×, {fresh[1]:.2f} s with 4× the history"
        if len(fresh) == 2 and None not in fresh
        else ""
    )
    if key is None:
        return Result(
            value=None,
            baseline=baseline_growth,
            baseline_label="plain SQL 4×/1×",
            note="engine missing: baseline only",
            extra={"points": points},
        )
    return Result(
        value=volume[-1][key] / volume[0][key],
        baseline=baseline_growth,
        baseline_label="plain SQL 4×/1×",
        note=note,
        extra={"points": points},
    )
