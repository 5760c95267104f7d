"""The generated draft of a period's executive summary: plain sentences from the KPI cards.

The account manager edits it; it only words what the cards already hold (values,
changes against the comparison period, target health), so it never disagrees with them.
"""

from __future__ import annotations

from accounts.models import Workspace
from kpis import display, periods
from kpis.targets import Health
from kpis.views.cards import Card

# A change smaller than this (relative, or in rate points) is not worth a sentence.
MIN_RELATIVE = 0.05
MIN_POINTS = 0.01
MOVERS = 3


def _opening(period: periods.Period, cards: dict[str, Card]) -> str:
    span = display.format_period(period.first, period.last)
    spend, leads, cpl = cards.get("spend"), cards.get("leads"), cards.get("cpl")
    if spend is None or leads is None or not (spend.value or leads.value):
        return f"No spend or leads were recorded in {span}."
    sentence = f"In {span}, spend was {spend.text} and brought {leads.text} lead{'s' if leads.value != 1 else ''}"
    if cpl is not None and cpl.value is not None:
        sentence += f" at {cpl.text} per lead"
    return sentence + "."


def _size(card: Card) -> float:
    change = card.vs_previous
    if change.fraction is None:
        return 0.0
    threshold = MIN_POINTS if change.points else MIN_RELATIVE
    return abs(change.fraction) / threshold


def _mover(card: Card) -> str:
    change = card.vs_previous
    verb = "rose" if change.direction == "up" else "fell"
    amount = change.text.lstrip("+−-")
    judgement = {"good": " — an improvement", "bad": " — worth a look"}.get(change.tone, "")
    return f"{card.info.label} {verb} {amount} to {card.text} (from {change.previous_text}){judgement}."


def _target(card: Card) -> str:
    progress = card.progress
    pace = card.pace_text
    state = "is off track" if progress.health == Health.RED else "is at risk"
    return f"{card.info.label} {state} against its target: {card.text}{f', {pace}' if pace else ''}."


def draft(workspace: Workspace, period: periods.Period, headline: list[Card], target_cards: list[Card]) -> str:
    """Paragraphs: the period in one sentence, the biggest movers, the targets at risk."""
    cards = {card.name: card for card in headline}
    paragraphs = [_opening(period, cards)]
    movers = sorted((c for c in headline if _size(c) >= 1), key=lambda c: (-_size(c), c.name))[:MOVERS]
    if movers:
        paragraphs.append("Biggest movers: " + " ".join(_mover(c) for c in movers))
    else:
        paragraphs.append("No headline KPI moved by more than 5 % against the comparison period.")
    risky = [c for c in target_cards if c.progress and c.progress.health in (Health.RED, Health.AMBER)]
    if risky:
        paragraphs.append("Targets at risk: " + " ".join(_target(c) for c in risky))
    elif target_cards:
        paragraphs.append("Every target is on track.")
    return "\n\n".join(paragraphs)
