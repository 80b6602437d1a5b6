"""What schemathesis found when fuzzing the live API (scripts/fuzz_api.py), one test per finding,
so each stays fixed at its cause."""

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeUpstream, serve_upstream
from tests.routing import route_providers, sse_events


@pytest.fixture(scope="module")
def fake(client: TestClient, admin_headers: dict[str, str]) -> Iterator[FakeUpstream]:
    with serve_upstream() as upstream:
        route_providers(client, admin_headers, upstream)
        yield upstream


def field_errors(body: dict[str, Any]) -> str:
    return " ".join(str(e["msg"]) for e in body["detail"])


# --- streamed answers: each SSE event must match what /openapi.json documents (ST108) ---

def test_streamed_events_match_the_documented_event_schema(client, admin_headers, fake) -> None:
    doc = client.get("/openapi.json").json()["paths"]["/chat/"]["post"]["responses"]["200"]["content"]
    event_schema = doc["text/event-stream"]["itemSchema"]
    r = client.post("/chat/", headers=admin_headers,
                    json={"provider": "openai", "model": "gpt-4o-mini", "prompt": "hi there", "streaming": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = [{"data": line[5:].strip()} for line in r.text.splitlines() if line.startswith("data:")]
    assert events[-1] == {"data": "[DONE]"} and sse_events(r.text.splitlines())[-1] == "[DONE]"
    for event in events:
        jsonschema.validate(event, event_schema)
    jsonschema.validate(events, doc["text/event-stream"]["schema"])
