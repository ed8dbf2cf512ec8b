#!/usr/bin/env bash
# Runs before `npm test`. In CI (CI=true) or with BLIS_JAEGER=1, build the real Jaeger the
# telemetry end-to-end test exports to (cached under ${BLIS_CACHE:-$HOME/.cache/blis}; minutes
# cold, seconds warm). Elsewhere the test skips with a message rather than spend those minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ "${CI:-}" == "true" || "${BLIS_JAEGER:-}" == "1" ]]; then
  if command -v go >/dev/null; then
    bash scripts/jaeger.sh build || echo "pretest: Jaeger build failed; the Jaeger test will skip" >&2
  else
    echo "pretest: go not found; the Jaeger test will skip" >&2
  fi
fi
exit 0
