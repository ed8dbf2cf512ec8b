#!/usr/bin/env bash
# Byte-for-byte output check for engine speed work: runs a set of configurations (the seed hour,
# the native preset with prefixes, a batch of ~1,000 requests (H100's max_num_seqs), overloaded runs that preempt (generated and token-matched: private
# blocks registered only at preemption), detail output through request
# rows and OTLP/JSON (detail recording), the synchronous loop, a CPU tier (one with its blocks
# unready under saturation, where stores fail and retry), P/D, the roofline and
# linear step-time models, replays of Azure and Mooncake samples that preempt) with two builds and `cmp`s every file, and with the build under test
# also --no-leap against leaping.
#
#   bash bench/same-outputs.sh BASE_BUNDLE [NEW_BUNDLE]
#
# BASE_BUNDLE is a copy of a reference build's dist/cli/blis.cjs (e.g. `cp -r dist /tmp/base-dist`
# before the change; builds before 2026-12-06 have dist/cli/blis.mjs, which works the same: both
# are imported and their `run` called); NEW defaults to this checkout's dist/cli/blis.cjs. Exit 1
# on any difference.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
base=$1
new=${2:-$here/dist/cli/blis.cjs}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
runner='import(process.argv[1]).then(async (m) => { process.exitCode = await m.run(process.argv.slice(2)); })'
blis() { nice node --input-type=module -e "$runner" "$@"; }

eq="$here/bench/chatbot-eq.yaml"
fleet=(--model qwen/qwen3-14b --rate 50 --num-instances 8 --tp 2 --hardware H100)
declare -A CASES=(
  [seed-hour-eq]="plain ${fleet[*]} --workload-spec $eq --routing-policy round-robin --duration 3600"
  [native-10m]="plain ${fleet[*]} --workload chatbot --routing-policy round-robin --duration 600"
  [native-2m-detail]="detail ${fleet[*]} --workload chatbot --routing-policy round-robin --duration 120"
  [prefix-weighted]="detail ${fleet[*]} --workload chatbot --routing-policy weighted --routing-scorers prefix-affinity:2,queue-depth:1 --duration 300"
  [overload-preempt]="detail --model qwen/qwen3-14b --hardware H100 --workload chatbot --rate 40 --num-requests 3000 --total-kv-blocks 900"
  [overload-priority]="detail --model qwen/qwen3-14b --hardware H100 --workload chatbot --rate 40 --num-requests 2000 --total-kv-blocks 700 --scheduler priority"
  [sync-loop]="detail --model qwen/qwen3-14b --hardware H100 --workload-spec $eq --rate 20 --num-requests 3000 --no-async-scheduling"
  [cpu-tier]="detail --model qwen/qwen3-14b --hardware H100 --workload chatbot --rate 30 --num-requests 3000 --total-kv-blocks 1500 --kv-cpu-blocks 4000"
  [cpu-tier-saturated]="detail replay $here/baselines/calibration-experiments/20260218-160939-codellama-34b-tp2-reasoning.requests.csv --limit 1500 --model codellama/codellama-34b-instruct-hf --tp 2 --hardware H100 --max-num-seqs 128 --max-num-batched-tokens 2048 --kv-cpu-blocks 2730"
  [pd]="detail --model qwen/qwen3-14b --hardware H100 --workload chatbot --rate 20 --num-requests 2000 --num-instances 4 --prefill-instances 2 --decode-instances 2 --pd-decider always"
  [codegen]="detail --model meta-llama/llama-3.1-8b-instruct --hardware H100 --workload codegen --rate 20 --num-requests 2000 --num-instances 2"
  [roofline]="detail --model qwen/qwen3-14b --hardware H100 --workload chatbot --rate 25 --num-requests 2000 --num-instances 2 --latency-model roofline"
  [eq-preempt]="detail --model qwen/qwen3-14b --hardware H100 --workload-spec $eq --rate 40 --num-requests 3000 --total-kv-blocks 600"
  [eq-preempt-sync]="plain --model qwen/qwen3-14b --hardware H100 --workload-spec $eq --rate 30 --num-requests 3000 --total-kv-blocks 450 --no-async-scheduling --scheduler priority"
  [codegen-preempt]="detail --model meta-llama/llama-3.1-8b-instruct --hardware H100 --workload codegen --rate 30 --num-requests 2000 --total-kv-blocks 700"
  [precise-prefix]="plain ${fleet[*]} --workload-spec $eq --routing-policy weighted --routing-scorers precise-prefix-cache:2,queue-depth:1 --duration 120 --total-kv-blocks 800"
  [replay-azure-preempt]="detail replay $here/traces/azure2023-code.relative.head300.csv --speedup 50 --total-kv-blocks 2500 --num-instances 2 --model meta-llama/llama-3.1-8b-instruct"
  [replay-mooncake-preempt]="plain replay $here/traces/mooncake-conversation-head300.jsonl --speedup 50 --total-kv-blocks 2500 --num-instances 2 --model meta-llama/llama-3.1-8b-instruct --max-model-len 131072"
  [linear-sync]="plain --model qwen/qwen3-14b --hardware H100 --workload-spec $eq --rate 30 --num-requests 3000 --latency-model linear --no-async-scheduling"
  [big-batch]="detail --model meta-llama/llama-3.1-8b-instruct --hardware H100 --workload-spec $eq --rate 60 --num-requests 8000"
)
status=0
for name in "${!CASES[@]}"; do
  read -r mode rest <<<"${CASES[$name]}"
  read -r -a argv <<<"$rest"
  for side in base new noleap; do
    d="$out/$name.$side"
    mkdir -p "$d"
    bin=$new
    extra=()
    [ "$side" = base ] && bin=$base
    [ "$side" = noleap ] && extra=(--no-leap)
    # Detail recording (token times, chunks) is on only with trace output: both paths are checked.
    files=()
    [ "$mode" = detail ] && files=(--requests-out "$d/requests.csv" --otlp-out "$d/traces.json" --trace-token-every 3)
    touch "$d/requests.csv" "$d/traces.json"
    # A case names its command when it is not `run` (replay).
    cmd=(run)
    [ "${argv[0]}" = replay ] && cmd=()
    blis "$bin" "${cmd[@]}" "${argv[@]}" "${extra[@]}" --output json --quiet "${files[@]}" >"$d/stdout.json" 2>"$d/stderr.txt"
    echo "exit $?" >>"$d/stderr.txt"
  done
  for f in stdout.json stderr.txt requests.csv traces.json; do
    for side in new noleap; do
      if ! cmp -s "$out/$name.base/$f" "$out/$name.$side/$f"; then
        echo "DIFF $name: $f (base vs $side)"
        status=1
      fi
    done
  done
  echo "$name: $(wc -c <"$out/$name.base/stdout.json") bytes of metrics, $(wc -l <"$out/$name.base/requests.csv") request rows, $(tail -1 "$out/$name.base/stderr.txt")"
done
[ $status = 0 ] && echo "all outputs identical"
exit $status
