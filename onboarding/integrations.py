"""The integrations page's copy-paste examples, filled with the workspace's own URLs (never a key)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

KEY_VARIABLE = "PULSE_API_KEY"


@dataclass(frozen=True)
class Snippet:
    id: str
    title: str
    language: str
    code: str


def client_package(schema_title: str) -> str:
    """The module name openapi-python-client gives a client of a schema with this title."""
    return re.sub(r"[^a-z0-9]+", "_", schema_title.lower()).strip("_") + "_client"


def snippets(*, api_base: str, schema_url: str, spend: dict, first_day: date, last_day: date) -> list[Snippet]:
    body = json.dumps([spend], indent=2)
    body_python = json.dumps([spend], indent=4).replace("false", "False").replace("true", "True")
    kpis_url = f"{api_base}kpis/?from={first_day.isoformat()}&to={last_day.isoformat()}"
    return [
        Snippet(
            "curl-push",
            "Push daily spend (curl)",
            "shell",
            f"curl -X POST {api_base}spend/ \\\n"
            f'  -H "Authorization: Bearer ${KEY_VARIABLE}" \\\n'
            '  -H "Content-Type: application/json" \\\n'
            f"  -d '{body}'",
        ),
        Snippet(
            "curl-read",
            "Read the KPIs of a range (curl)",
            "shell",
            f'curl "{kpis_url}" \\\n  -H "Authorization: Bearer ${KEY_VARIABLE}"',
        ),
        Snippet(
            "python",
            "Push spend and read KPIs (Python, requests)",
            "python",
            "import os\n\nimport requests\n\n"
            f'API = "{api_base}"\n'
            f'session = requests.Session()\nsession.headers["Authorization"] = f"Bearer {{os.environ[\'{KEY_VARIABLE}\']}}"\n\n'
            f'pushed = session.post(API + "spend/", json={body_python}, timeout=30)\n'
            "pushed.raise_for_status()  # a 400 lists every problem: pushed.json()['errors']\n"
            'print(pushed.json())  # {"created": 1, "updated": 0}\n\n'
            f'kpis = session.get(API + "kpis/", params={{"from": "{first_day.isoformat()}", '
            f'"to": "{last_day.isoformat()}"}}, timeout=30)\n'
            "kpis.raise_for_status()\n"
            'print(kpis.json()["metrics"]["cpl"])  # cost per lead, a money string',
        ),
        Snippet(
            "typed-client",
            "Generate a typed Python client from the schema",
            "shell",
            f"pipx run openapi-python-client generate --url {schema_url}",
        ),
    ]
