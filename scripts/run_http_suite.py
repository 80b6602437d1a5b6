"""Run the documented .http files with httpyac against a real service.

    python scripts/run_http_suite.py                       # fresh service, fake upstream (what CI runs)
    python scripts/run_http_suite.py test_admin.http       # only some files
    python scripts/run_http_suite.py --base-url http://localhost:8000   # a server you started yourself

Without --base-url it starts `uvicorn main:app` on a fresh SQLite database (or --database-url, an
empty one), starts the fake upstream, points the four built-in providers at it and stores a key for
each through the admin API (scripts/live_service.py), then sends every request of every file. The
files take their server from the `base_url` variable, given here with httpyac's --var (a file
variable would win over --var, so the files define none). The exit status is non-zero if any
request fails or any assertion does not hold.
"""

import argparse
import shutil
import subprocess
import sys

from live_service import ROOT, live_service

FILES = ("test_main.http", "test_auth_flow.http", "test_admin.http", "test_assistants.http",
         "test_assistants_routers.http")
HTTPYAC = ROOT / "node_modules" / ".bin" / "httpyac"


def ensure_httpyac() -> None:
    if HTTPYAC.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("httpyac needs Node.js and npm: install them, then run `npm ci` in the project root")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)


def send(files: list[str], base_url: str) -> list[str]:
    """Run each file; return the ones with a failed request or assertion."""
    failed = []
    for name in files:
        sys.stdout.write(f"\n== {name} against {base_url}\n")
        sys.stdout.flush()
        code = subprocess.call([str(HTTPYAC), "send", name, "--all", "--var", f"base_url={base_url}",
                                "--output", "short", "--output-failed", "response"], cwd=ROOT)
        if code != 0:
            failed.append(name)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", default=list(FILES), help="default: all five files")
    parser.add_argument("--base-url", help="use this running server instead of starting one")
    parser.add_argument("--database-url", help="for the server started here (default: a fresh SQLite file)")
    args = parser.parse_args()
    ensure_httpyac()

    if args.base_url:
        failed = send(args.files, args.base_url.rstrip("/"))
    else:
        with live_service(database_url=args.database_url) as service:
            failed = send(args.files, service.base_url)
            if failed:
                sys.stdout.write(f"\n== service log (tail)\n{service.log_text()[-6000:]}\n")
    sys.stdout.write(f"\n== .http suite: {'FAILED: ' + ', '.join(failed) if failed else 'all requests passed'}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
