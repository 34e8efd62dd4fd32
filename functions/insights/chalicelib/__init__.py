"""Logic of the insights function (metrics API and dashboard)."""
