"""The ingest function: Segment-compatible tracking API. Wiring only: routes call chalicelib logic."""

from chalice.app import Chalice

from touchpoint.settings import get_settings
from touchpoint.web.health import register_health

get_settings()  # validate the environment at cold start: a bad variable stops the function here

app = Chalice(app_name="touchpoint-ingest")

register_health(app, "ingest", tables=["config_table", "people_table", "state_table"], bucket=True)
