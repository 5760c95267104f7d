"""The KPI reference of docs/kpis.md, written from the catalogue so that the two cannot drift.

`manage.py kpi_docs` rewrites the part of docs/kpis.md between the two markers; a test fails when
the file's part differs from what the catalogue gives.
"""

from __future__ import annotations

from kpis.catalog import KPIS, Kpi

BEGIN = "<!-- catalogue:begin (written by `manage.py kpi_docs`) -->"
END = "<!-- catalogue:end -->"


def _flags(entry: Kpi) -> str:
    flags = []
    if entry.workspace_wide:
        flags.append("workspace-wide: null when narrowed")
    if entry.approximate_with_stats:
        flags.append("an upper bound when daily web stats contribute")
    if entry.additive:
        flags.append("sums over days")
    if entry.targetable:
        flags.append("can have a target")
    if entry.paced:
        flags.append("a budget: on track near its target, over or under")
    else:
        flags.append("higher is better" if entry.higher_is_better else "lower is better")
    return "; ".join(flags)


def _row(entry: Kpi) -> str:
    cells = (f"`{entry.name}`", entry.label, entry.kind.unit, entry.formula.replace("|", "\\|"), _flags(entry))
    return "| " + " | ".join(cells) + " |"


def render_reference() -> str:
    """Every KPI of the catalogue, by group, as Markdown tables (between the markers)."""
    groups: dict[str, list[Kpi]] = {}
    for entry in KPIS.values():
        groups.setdefault(entry.group, []).append(entry)
    parts = [BEGIN, ""]
    for group, entries in groups.items():
        parts += [f"### {group}", "", "| name | label | unit | definition | notes |", "|---|---|---|---|---|"]
        parts += [_row(entry) for entry in entries]
        parts.append("")
    parts.append(END)
    return "\n".join(parts)


def with_reference(document: str) -> str:
    """`document` with the part between the markers replaced by the catalogue's reference."""
    start, end = document.index(BEGIN), document.index(END) + len(END)
    return document[:start] + render_reference() + document[end:]
