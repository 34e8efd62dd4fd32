"""Logic of the ingest function (Segment-compatible tracking API)."""
