"""Logic of the surveys function (NPS/CSAT/CES surveys and responses)."""
