"""Test and benchmark support: realistic synthetic lake data and a reference implementation of the metrics.

Never shipped into a Lambda (`infra/package.py` vendors `shared/touchpoint` only):
`touchpoint_testkit.synthetic.generate_day` writes a realistic day of events and responses, and
`touchpoint_testkit.reference.reference_metrics` computes the headline metrics with one plain
DuckDB query, for the engine's agreement tests and the rollup benchmark.
"""
