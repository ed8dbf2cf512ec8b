#!/usr/bin/env bash
# Regenerates test/fixtures/vllm-diff/*.json: random scenarios (gen.mjs) run through vLLM's own
# scheduler (driver.py). PYTHON is an interpreter with vllm 0.15.1 installed (README.md here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../test/fixtures/vllm-diff"
py=${PYTHON:-python3}
# vLLM frees the blocks of a step's finished_sending set in set order, which follows the string
# hashes of the request ids: pinned, so that the fixtures are reproducible (README.md).
export PYTHONHASHSEED=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
#         name     count seed loop   policy   kv     aborts tier chunking size
while read -r name count seed loop policy kv aborts tier chunking size; do
  node "$here/gen.mjs" "$count" "$seed" "$loop" "$policy" "$kv" "${aborts:-none}" "${tier:-none}" "${chunking:-chunked}" "${size:-small}" > "$tmp/$name.json"
  "$py" "$here/driver.py" "$tmp/$name.json" "$out/$name.json"
  echo "$name: $count scenarios" >&2
done <<'LIST'
sync     300 1 sync  fcfs     full
async    300 2 async fcfs     full
priority 300 3 mixed priority full
hybrid   300 4 mixed fcfs     hybrid
aborts   300 5 mixed fcfs     full   aborts
cpu      300 6 mixed fcfs     full   aborts cpu
cpu-priority 300 9 mixed priority full aborts cpu
pd       300 10 mixed fcfs    full   aborts pd
pd-priority 300 11 mixed priority full aborts pd
pd-large 185 12 mixed fcfs    full   aborts pd   chunked large
whole    300 7 mixed fcfs     full   aborts none whole
large    150 8 mixed fcfs     full   aborts none chunked large
hybrid-priority 300 23 mixed priority hybrid aborts
whole-cpu 300 24 mixed fcfs   full   aborts cpu  whole
whole-pd 300 25 mixed fcfs    full   aborts pd   whole
tight    300 31 mixed fcfs     full   aborts none tight
cpu-priority-2 300 42 mixed priority full aborts cpu
LIST
