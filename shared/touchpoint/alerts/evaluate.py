"""Pure evaluation of alert rules on a day's metric history (no AWS, no clock).

A rule is *breached* on day D when its measured value meets the condition:

* the measured value is the metric over the window D-(window_days-1)..D (see `aggregate`), for
  the rule's exact breakdown; no data in the window means "not evaluable", never "breached";
* `below` / `above` compare it with the threshold; `drops_by` / `rises_by` compare it with the
  baseline, the same measure over the `baseline_days` before the window, and need a baseline
  that is not 0;
* `min_samples` (responses, or the count itself for counts) must be met in the window.

A rule *fires* on D only when it is breached on D and was not breached on the latest earlier day
(within `LOOKBACK_DAYS`) on which it was evaluable: one alert per breach, however many days the
breach lasts. Re-running a day gives the same answer; the store keeps one alert per
tenant + rule + day on top of that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from touchpoint.alerts.aggregate import daily_level, sample_count
from touchpoint.alerts.rules import AlertRule, Condition
from touchpoint.models.metrics import MetricPoint

#: How far back a rule looks for its previous state (the day before may have had no data).
LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class Measurement:
    """A rule measured on one day."""

    day: date
    value: float
    baseline: float | None
    samples: int
    breached: bool

    @property
    def change_pct(self) -> float | None:
        """Change of the value against the baseline in percent (None without a baseline)."""
        if self.baseline is None or self.baseline == 0:
            return None
        return (self.value - self.baseline) / abs(self.baseline) * 100.0


def history_start(rule: AlertRule, day: date) -> date:
    """The first day of metric history `should_fire` needs for `day`."""
    span = rule.window_days + (rule.baseline_days if rule.condition.relative else 0) + LOOKBACK_DAYS
    return day - timedelta(days=span)


def series_for(rule: AlertRule, points: Iterable[MetricPoint]) -> list[MetricPoint]:
    """The points of the rule's metric with exactly the rule's breakdown, by date."""
    wanted = dict(rule.breakdown)
    chosen = [p for p in points if p.metric == rule.metric and dict(p.breakdown) == wanted]
    return sorted(chosen, key=lambda p: p.date)


def _between(points: Sequence[MetricPoint], first: date, last: date) -> list[MetricPoint]:
    return [p for p in points if first <= p.date <= last and p.value is not None]


def _level(
    rule: AlertRule, points: Sequence[MetricPoint], first: date, last: date, since: date
) -> float | None:
    chosen = _between(points, first, last)
    if not chosen:
        return None
    days = (last - max(first, since)).days + 1
    return daily_level(rule.metric, chosen, days)


def measure(rule: AlertRule, day: date, series: Sequence[MetricPoint]) -> Measurement | None:
    """The rule on `day`, or None when it cannot be evaluated (no data, too few samples, no baseline).

    `series` holds the rule's metric and breakdown only (see `series_for`).
    """
    since = min((p.date for p in series if p.value is not None), default=day)
    first = day - timedelta(days=rule.window_days - 1)
    window = _between(series, first, day)
    if not window:
        return None
    value = _level(rule, series, first, day, since)
    if value is None:
        return None
    samples = sample_count(rule.metric, window)
    if samples < rule.min_samples:
        return None
    baseline: float | None = None
    if rule.condition is Condition.BELOW:
        breached = value < rule.threshold
    elif rule.condition is Condition.ABOVE:
        breached = value > rule.threshold
    else:
        base_last = first - timedelta(days=1)
        base_first = base_last - timedelta(days=rule.baseline_days - 1)
        if since > base_last:
            return None
        baseline = _level(rule, series, base_first, base_last, since)
        if baseline is None or baseline == 0:
            return None
        change = (value - baseline) / abs(baseline) * 100.0
        if rule.condition is Condition.DROPS_BY:
            breached = change <= -rule.threshold
        else:
            breached = change >= rule.threshold
    return Measurement(day=day, value=value, baseline=baseline, samples=samples, breached=breached)


def should_fire(rule: AlertRule, day: date, series: Sequence[MetricPoint]) -> Measurement | None:
    """The measurement when the rule fires on `day` (a new breach), else None."""
    if not rule.enabled:
        return None
    current = measure(rule, day, series)
    if current is None or not current.breached:
        return None
    for back in range(1, LOOKBACK_DAYS + 1):
        previous = measure(rule, day - timedelta(days=back), series)
        if previous is not None:
            return None if previous.breached else current
    return current
