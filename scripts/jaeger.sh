#!/usr/bin/env bash
# Build (once, cached) and run a real Jaeger v2 on loopback for blis telemetry tests.
#
#   scripts/jaeger.sh build            build into the cache unless the binary is there
#   scripts/jaeger.sh path             print the cached binary path (exit 1 when absent)
#   scripts/jaeger.sh start            build if needed, then run in the foreground (in-memory storage)
#
# Jaeger v2 is module version v1.76.0 on the Go module proxy (same release as Jaeger v2.13.0).
# `go install` refuses it (replace directive in go.mod), so: download the module, build inside it.
# Cost on a 2-core machine: 5-12 min cold, ~2.3 GB peak memory, ~3 GB of Go caches, 85 MB binary.
# Environment: BLIS_CACHE (default $HOME/.cache/blis), JAEGER_OTLP_HTTP (default 127.0.0.1:4318),
# JAEGER_OTLP_GRPC (127.0.0.1:4317), JAEGER_QUERY_HTTP (127.0.0.1:16686), JAEGER_QUERY_GRPC (127.0.0.1:16685).
set -euo pipefail

VERSION=v1.76.0
CACHE="${BLIS_CACHE:-$HOME/.cache/blis}"
DIR="$CACHE/jaeger-$VERSION"
BIN="$DIR/jaeger"

build() {
  if [[ -x "$BIN" ]]; then
    echo "jaeger: cached $BIN" >&2
    return 0
  fi
  command -v go >/dev/null || { echo "jaeger: go not found on PATH; cannot build" >&2; return 2; }
  mkdir -p "$DIR"
  echo "jaeger: downloading github.com/jaegertracing/jaeger@$VERSION" >&2
  local moddir
  moddir="$(go mod download -json "github.com/jaegertracing/jaeger@$VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
  [[ -n "$moddir" && -d "$moddir" ]] || { echo "jaeger: module download failed" >&2; return 1; }
  echo "jaeger: building in $moddir (takes minutes)" >&2
  local start=$SECONDS
  (cd "$moddir" && go build -trimpath -ldflags='-s -w' -o "$BIN.tmp" ./cmd/jaeger)
  mv "$BIN.tmp" "$BIN"
  echo "jaeger: built $BIN in $((SECONDS - start)) s" >&2
}

start() {
  build
  export JAEGER_LISTEN_HOST=127.0.0.1
  exec "$BIN" \
    --set=receivers.otlp.protocols.http.endpoint="${JAEGER_OTLP_HTTP:-127.0.0.1:4318}" \
    --set=receivers.otlp.protocols.grpc.endpoint="${JAEGER_OTLP_GRPC:-127.0.0.1:4317}" \
    --set=extensions.jaeger_query.http.endpoint="${JAEGER_QUERY_HTTP:-127.0.0.1:16686}" \
    --set=extensions.jaeger_query.grpc.endpoint="${JAEGER_QUERY_GRPC:-127.0.0.1:16685}"
}

case "${1:-start}" in
  build) build ;;
  path) [[ -x "$BIN" ]] && echo "$BIN" || { echo "jaeger: not built ($BIN)" >&2; exit 1; } ;;
  start) start ;;
  *) echo "usage: $0 build|path|start" >&2; exit 2 ;;
esac
