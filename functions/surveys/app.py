"""The surveys function: NPS/CSAT/CES surveys and responses. Wiring only: routes call chalicelib logic."""

from chalice.app import Chalice

from touchpoint.settings import get_settings
from touchpoint.web.health import register_health

get_settings()  # validate the environment at cold start: a bad variable stops the function here

app = Chalice(app_name="touchpoint-surveys")

register_health(app, "surveys", tables=["config_table", "responses_table", "state_table"], bucket=True)
