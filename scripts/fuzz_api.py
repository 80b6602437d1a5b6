"""Fuzz the whole API from its live OpenAPI schema with schemathesis, as a regular user and as an
administrator, against a fresh service whose providers answer from the local fake upstream.

    python scripts/fuzz_api.py                      # the CI budget
    python scripts/fuzz_api.py --max-time 600 --max-examples 200
    python scripts/fuzz_api.py --only user          # one run: user | admin-chat | admin-api

Three runs, in this order, each over its share of every operation in /openapi.json, with the
checks not_a_server_error, status_code_conformance, content_type_conformance and
response_schema_conformance:

1. `user`: user1's token over every operation (admin writes must answer 401/403/404/422, never 5xx);
   user1 first gets the MoneyTracker and Suncar applications, so the chat routes reach a provider.
2. `admin-chat`: an admin token over everything outside /admin (chat, per-app routes, Suncar,
   MoneyTracker, auth, health), while the providers still point at the fake upstream.
3. `admin-api`: an admin token over /admin. It repoints, deactivates and deletes what it likes, so
   it runs last: a chat after it may rightly answer 502 (no usable provider left).
   It uses an admin account of its own ("fuzz-admin"); `scripts/fuzz_hooks.py` keeps it from
   changing or deleting that account (the only operations excluded).

Any failure, and any unhandled error in the service's log, makes the exit status non-zero.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import httpx
from live_service import ADMIN, ROOT, LiveService, live_service, login

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
FUZZ_ADMIN = ("fuzz-admin", "fuzz-admin-password-1")
RUNS = ("user", "admin-chat", "admin-api")
UNHANDLED_MARKERS = ("unhandled error", "Exception in ASGI application")
# Share of --max-time per run: the admin API has the most operations and the stateful phase.
BUDGET = {"user": 0.3, "admin-chat": 0.3, "admin-api": 0.4}


def prepare(service: LiveService) -> dict[str, str]:
    """Give user1 the two seeded applications and create the fuzzer's admin (its id goes to the hooks)."""
    headers = {"Authorization": f"Bearer {login(service.base_url, *ADMIN)}"}
    with httpx.Client(base_url=service.base_url, headers=headers, timeout=30) as api:
        apps = api.get("/admin/applications", params={"limit": 500}).raise_for_status().json()["data"]
        users = {u["username"]: u["id"] for u in api.get("/admin/users", params={"limit": 500}).json()["data"]}
        api.put(f"/admin/users/{users['user1']}/applications",
                json={"application_ids": [a["id"] for a in apps]}).raise_for_status()
        created = api.post("/admin/users", json={"username": FUZZ_ADMIN[0], "email": "fuzz-admin@example.com",
                                                 "password": FUZZ_ADMIN[1], "is_admin": True})
        created.raise_for_status()
    return {"FUZZ_OWN_USER_ID": str(created.json()["id"])}


def schemathesis_argv(service: LiveService, run: str, token: str, args: argparse.Namespace) -> list[str]:
    argv = [sys.executable, "-m", "schemathesis.cli", "run", f"{service.base_url}/openapi.json",
            "--checks", CHECKS, "-H", f"Authorization: Bearer {token}",
            "--max-examples", str(args.max_examples), "--max-time", str(max(30, int(args.max_time * BUDGET[run]))),
            "--workers", str(args.workers), "--generation-database", "none", "--no-color",
            "--request-timeout", "60", "--seed", str(args.seed)]
    if run == "admin-chat":
        argv += ["--exclude-path-regex", "^/admin/"]
    elif run == "admin-api":
        argv += ["--include-path-regex", "^/admin/", "--phases", "examples,coverage,fuzzing,stateful"]
    return argv


def unhandled_errors(log: str) -> list[str]:
    """Each error the service logged as unhandled (by our handler, or by uvicorn once a response had
    started, e.g. mid-stream), with its traceback (chained ones included)."""
    lines, found, i = log.splitlines(), [], 0
    chained = ("Traceback", "During handling", "The above exception")
    while i < len(lines):
        if not any(marker in lines[i] for marker in UNHANDLED_MARKERS):
            i += 1
            continue
        j = i + 1
        while j < len(lines):
            if not lines[j].strip() or lines[j].startswith((" ", *chained)):
                j += 1
                continue
            following = next((line for line in lines[j + 1:] if line.strip()), "")
            if not following.startswith(chained[1:]):
                break  # the exception line that ends the traceback
            j += 1
        found.append("\n".join(lines[i:j + 1]))
        i = j + 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=40, help="test cases per operation and phase")
    parser.add_argument("--max-time", type=int, default=480, help="seconds for all three runs together")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "big"))
    parser.add_argument("--only", choices=RUNS, action="append", help="run only these (repeatable)")
    parser.add_argument("--database-url", help="an empty database for the service (default: a fresh SQLite file)")
    args = parser.parse_args()

    failed: list[str] = []
    # Tokens outlive a long --max-time, so a run never turns into 401s halfway.
    with live_service(database_url=args.database_url, env={"ACCESS_TOKEN_EXPIRE_MINUTES": "720"}) as service, \
            tempfile.TemporaryDirectory(prefix="va-fuzz-") as workdir:
        env = {**os.environ, **prepare(service), "SCHEMATHESIS_HOOKS": str(ROOT / "scripts" / "fuzz_hooks.py")}
        for run in args.only or RUNS:
            token = login(service.base_url, "user1", "user123") if run == "user" else \
                login(service.base_url, *FUZZ_ADMIN)
            log_before = len(service.log_text())
            sys.stdout.write(f"\n== schemathesis: {run} (seed {args.seed})\n")
            sys.stdout.flush()
            # In a scratch directory: schemathesis and hypothesis leave files where they run.
            code = subprocess.call(schemathesis_argv(service, run, token, args), cwd=workdir, env=env)
            errors = unhandled_errors(service.log_text()[log_before:])
            if code != 0 or errors:
                failed.append(run)
            if errors:
                sys.stdout.write(f"the service logged {len(errors)} unhandled error(s); the first ones:\n"
                                 + "\n\n".join(errors[:3]) + "\n")
        if failed:
            tail = service.log_text()[-6000:]
            sys.stdout.write(f"\n== service log (tail)\n{tail}\n")
    sys.stdout.write(f"\n== fuzzing: {'FAILED: ' + ', '.join(failed) if failed else 'no failures'}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
