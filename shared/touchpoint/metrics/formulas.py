"""Formulas more than one place computes (the engine per day, the alerts and summary per window)."""

from __future__ import annotations


def nps(promoters: float, detractors: float, answers: float) -> float | None:
    """Net promoter score: `100 x (promoters - detractors) / answers`, None without answers."""
    if answers <= 0:
        return None
    return 100.0 * (promoters - detractors) / answers
