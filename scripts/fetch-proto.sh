#!/usr/bin/env bash
# Re-fetch the four OTLP trace .proto files from Maven Central and diff them against proto/.
#
#   scripts/fetch-proto.sh           fetch into a temp dir and diff (exit 1 on any difference)
#   scripts/fetch-proto.sh --write   fetch and overwrite proto/ (then review `git diff proto`)
#
# Source: io.opentelemetry.proto:opentelemetry-proto:1.11.0-alpha (identical to the
# opentelemetry-proto repository at tag v1.11.0; Apache-2.0). Needs Java + Maven + unzip.
set -euo pipefail

ARTIFACT="io.opentelemetry.proto:opentelemetry-proto:1.11.0-alpha"
JAR_REL="io/opentelemetry/proto/opentelemetry-proto/1.11.0-alpha/opentelemetry-proto-1.11.0-alpha.jar"
FILES=(
  opentelemetry/proto/common/v1/common.proto
  opentelemetry/proto/resource/v1/resource.proto
  opentelemetry/proto/trace/v1/trace.proto
  opentelemetry/proto/collector/trace/v1/trace_service.proto
)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
M2="${MAVEN_REPO:-$HOME/.m2/repository}"

mvn -q dependency:get -Dartifact="$ARTIFACT" -Dtransitive=false >&2
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
unzip -q -o "$M2/$JAR_REL" "${FILES[@]}" -d "$TMP"

if [[ "${1:-}" == "--write" ]]; then
  for f in "${FILES[@]}"; do
    mkdir -p "$ROOT/proto/$(dirname "$f")"
    cp "$TMP/$f" "$ROOT/proto/$f"
  done
  echo "proto: wrote ${#FILES[@]} files from $ARTIFACT" >&2
  exit 0
fi

status=0
for f in "${FILES[@]}"; do
  if ! diff -u "$ROOT/proto/$f" "$TMP/$f"; then status=1; fi
done
[[ $status -eq 0 ]] && echo "proto: up to date with $ARTIFACT" >&2
exit $status
