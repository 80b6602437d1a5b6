"""Serve the combined fake upstream (tests/fakes/upstream.py) in its own process:
`python -m benchmarks.fake_upstream PORT [LATENCY_SECONDS]`."""

import sys

import uvicorn

from tests.fakes.upstream import make_upstream_app

if __name__ == "__main__":
    port = int(sys.argv[1])
    latency = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    uvicorn.run(make_upstream_app(latency=latency), host="127.0.0.1", port=port, log_level="warning",
                access_log=False, backlog=4096, limit_concurrency=None)
