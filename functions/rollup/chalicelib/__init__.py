"""Logic of the rollup function (nightly metric rollups)."""
