#!/usr/bin/env bash
# Regenerates the example reports in reports/examples/ and their screenshots (headless Chromium;
# Debian's `chromium` package). Each page is self-contained (inline SVG, no scripts, no network).
#
#   scripts/report-examples.sh            all three: validation, autoscaler timeline, cluster comparison
#
# Screenshots are full-page PNGs cropped to the content (python3 with PIL when present).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
npm run build >/dev/null
OUT=reports/examples
mkdir -p "$OUT/validation" "$OUT/autoscaler" "$OUT/cluster"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

./blis validate --baseline baselines/calibration.json --report-dir "$OUT/validation" --quiet >/dev/null
./blis run --workload-spec examples/autoscale-diurnal.yaml --routing-policy weighted \
  --autoscaler-config examples/autoscaler-policy.yaml --timeline-out "$OUT/autoscaler/timeline.html" --quiet >/dev/null
BASE=(run --model qwen/qwen3-14b --workload chatbot --num-instances 8 --tp 2 --hardware H100 --num-requests 5000 --rate 50 --quiet)
./blis "${BASE[@]}" --routing-policy round-robin --metrics-out "$TMP/rr.json" >/dev/null
./blis "${BASE[@]}" --routing-policy least-loaded --metrics-out "$TMP/ll.json" >/dev/null
./blis "${BASE[@]}" --routing-policy weighted --routing-scorers prefix-affinity:2,queue-depth:1 --metrics-out "$TMP/pa.json" >/dev/null
./blis "${BASE[@]}" --routing-policy weighted --routing-scorers prefix-affinity:2,queue-depth:1 \
  --prefill-instances 2 --decode-instances 6 --metrics-out "$TMP/pd.json" >/dev/null
./blis report round-robin="$TMP/rr.json" least-loaded="$TMP/ll.json" weighted-pa="$TMP/pa.json" pd-2p6d="$TMP/pd.json" \
  --title "qwen3-14b chatbot on 8 x H100 (TP 2), 50 req/s, 5000 requests" --out "$OUT/cluster/comparison.html" --quiet

command -v chromium >/dev/null || { echo "report-examples: chromium not found (apt-get install chromium); pages written, no screenshots" >&2; exit 0; }
PY=""
for p in python3 /usr/bin/python3; do if "$p" -c 'import PIL' 2>/dev/null; then PY="$p"; break; fi; done
[[ -n "$PY" ]] || echo "report-examples: no python3 with PIL (apt-get install python3-pil); screenshots stay uncropped" >&2
shot() { # page.html out.png width
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$TMP/profile" --hide-scrollbars \
    --window-size="$3,12000" --screenshot="$2" "file://$ROOT/$1" 2>/dev/null
  [[ -n "$PY" ]] || return 0
  "$PY" - "$2" <<'PY'
import sys
from PIL import Image, ImageChops
p = sys.argv[1]
im = Image.open(p).convert('RGB')
box = ImageChops.difference(im, Image.new('RGB', im.size, (255, 255, 255))).getbbox()
if box: im = im.crop((0, 0, im.size[0], min(im.size[1], box[3] + 24)))
im.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(p, optimize=True)  # a palette PNG, a third of the size, colours kept
PY
}
shot "$OUT/validation/report.html" "$OUT/validation/report.png" 1400
shot "$OUT/autoscaler/timeline.html" "$OUT/autoscaler/timeline.png" 1100
shot "$OUT/cluster/comparison.html" "$OUT/cluster/comparison.png" 1100
echo "report-examples: pages and screenshots in $OUT" >&2
