#!/usr/bin/env bash
# Debian packages the project needs beyond Python: bubblewrap (the dynamic-provider sandbox),
# with --browser, Chromium for the panel's end-to-end tests, and with --bench, wrk for the
# benchmarks. Skips what is already there.
set -euo pipefail
want=()
command -v bwrap >/dev/null 2>&1 || want+=(bubblewrap)
command -v ip >/dev/null 2>&1 || want+=(iproute2)
if [[ "${1:-}" == "--bench" ]]; then
  command -v wrk >/dev/null 2>&1 || want+=(wrk)
fi
if [[ "${1:-}" == "--browser" ]]; then
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
fi
if ((${#want[@]})); then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "please install: ${want[*]} (Debian/Ubuntu: apt-get install ${want[*]})" >&2
    exit 0
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
fi
