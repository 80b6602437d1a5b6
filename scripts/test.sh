#!/usr/bin/env bash
# Install everything and run the whole test suite (SQLite by default; set TEST_DATABASE_URL to a
# fresh PostgreSQL database to run it there). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_system_packages.sh
python -m pip install -q -r requirements-dev.txt
exec python -m pytest "$@"
