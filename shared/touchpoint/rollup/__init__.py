"""The nightly rollup: load a tenant-day's inputs from the lake, run the engine, store the results."""
