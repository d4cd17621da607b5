"""The API-change drill, Python side (tests/drill/README.md): user code for the
regenerated SDK, run in a fresh virtualenv holding only the wheel built from the drill's
copy; also checked by `mypy --strict`. Arguments: URL APP_ID WIDGET_ID. Prints one JSON line."""

import json
import sys

import kontext_mgmt
from kontext_mgmt import Application, SpinRequest

url, app_id, widget_id = sys.argv[1:4]
client = kontext_mgmt.Client(
    base_url=url, client_id="sa_11111111-1111-4111-8111-111111111111", client_secret="kontext-emulator-secret"
)

# The new optional field on Application: typed, and kept through to_dict / from_dict.
app: Application = client.applications.get(app_id).application
color: str | None = app.color
encoded = app.to_dict()
decoded = Application.from_dict(encoded)

# The new operation of the new tag, with its new schema.
status = 0
try:
    client.widgets.spin(widget_id, speed=3, direction="clockwise")
    error = "none"
except kontext_mgmt.NotFound as e:
    error, status = type(e).__name__, e.status_code
request: SpinRequest = SpinRequest(speed=3)
print(json.dumps({"language": "python", "color": color, "encodedColor": encoded.get("color"),
                  "decodedColor": decoded.color, "error": error, "status": status, "model": request.to_dict()}))
