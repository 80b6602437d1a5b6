#!/usr/bin/env bash
# Install everything and start the service on the embedded default (SQLite in ./data, migrated
# and seeded on first start). Extra arguments go to uvicorn, e.g. --port 9000 --workers 2.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_system_packages.sh
python -m pip install -q -r requirements.txt
exec python -m uvicorn main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" "$@"
