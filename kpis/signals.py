"""Signals of the KPI engine, for the apps above it (alerts, data health) to react to fresh numbers."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the transaction that rebuilt a workspace's rollups has committed.
# Arguments: workspace_id (int), ranges (tuple of (first_day, last_day) local
# dates, or None when every date was rebuilt).
rollups_recomputed = Signal()
