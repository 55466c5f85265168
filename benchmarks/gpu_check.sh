#!/usr/bin/env bash
# The GPU path in one short run (issue 12 §3), for a machine with a CUDA GPU:
#   1. the CUDA tests (they skip on a machine without CUDA, so here they must pass, not skip),
#   2. benchmarks/bench_training.py: the toy-task CLI against bare PyTorch, on CPU and on CUDA in the same run,
#   3. the text model: 300 steps on CPU (1 thread) and on CUDA, then the documented 3000-step run on CUDA.
# Usage: benchmarks/gpu_check.sh [python]   (default: .venv/bin/python, else python3)
# Output: test-artifacts/gpu/ (one file per part, summary.txt); exit status 1 when a part failed.
# About 5 minutes on an H100 host with 16 cores (most of it the CPU halves and two model analyses).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
OUT=test-artifacts/gpu
mkdir -p "$OUT"
status=0
note() { echo "== $*" | tee -a "$OUT/summary.txt"; }
: > "$OUT/summary.txt"

note "$(date -u +%FT%TZ) $(uname -n)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | tee -a "$OUT/summary.txt"
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available',
torch.cuda.is_available())" 2>&1 | tee -a "$OUT/summary.txt"
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" || {
  note "torch sees no CUDA GPU: nothing to check"; exit 1; }

note "1. CUDA tests"
# -rs lists skips: on a CUDA machine none of these may be skipped for want of a GPU
"$PY" -m pytest -q -rs -p no:cacheprovider -k "gpu or cuda or devices" \
  tests/test_training.py tests/test_text_training.py tests/test_cli.py 2>&1 | tee "$OUT/cuda-tests.txt" | tail -5
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
if grep -q "SKIPPED.*needs a CUDA GPU" "$OUT/cuda-tests.txt"; then note "a CUDA test was skipped"; status=1; fi

note "2. bench_training.py (CPU and CUDA in the same run)"
"$PY" benchmarks/bench_training.py --repeat 2 2>&1 | tee "$OUT/bench_training.txt" | tail -8
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

note "3. text model: 300 steps on CPU (1 thread) and on CUDA, same settings"
for device in cpu cuda; do
  "$PY" -m gru_viz train --task text --device "$device" --threads 1 --seed 0 --steps 300 --eval-every 300 \
    > "$OUT/text-300-$device.json" 2> "$OUT/text-300-$device.log" || status=1
  tail -1 "$OUT/text-300-$device.json"
done
note "3b. the documented run (assets/text_gru.npz's command) on CUDA"
"$PY" -m gru_viz train --task text --device cuda --threads 1 --seed 0 --out "$OUT/text_gru_cuda.npz" \
  > "$OUT/text-3000-cuda.json" 2> "$OUT/text-3000-cuda.log" || status=1
tail -1 "$OUT/text-3000-cuda.json"

"$PY" - "$OUT" <<'EOF' 2>&1 | tee -a "$OUT/summary.txt"
import json, sys
from pathlib import Path
sys.path.insert(0, ".")
from gru_viz import units
from gru_viz.charmodel import SHIPPED, CharModel
from gru_viz.text import held_out_corpus

out = Path(sys.argv[1])
last = lambda name: json.loads((out / name).read_text().strip().splitlines()[-1])
cpu, cuda, full = last("text-300-cpu.json"), last("text-300-cuda.json"), last("text-3000-cuda.json")
print(f"text model, 300 steps: CPU {cpu['seconds']:.1f} s, CUDA {cuda['seconds']:.1f} s: "
      f"{cpu['seconds'] / cuda['seconds']:.1f}x faster on the GPU (held-out bpc {cpu['value']:.3f} vs {cuda['value']:.3f})")
shipped = CharModel.from_file(SHIPPED)
gpu = CharModel.from_file(out / "text_gru_cuda.npz")
text = held_out_corpus().text
depth = [abs(units.analyse(m, text).r_trained["bracket depth"]).max() for m in (shipped, gpu)]
print(f"documented run on CUDA: {full['seconds']:.1f} s for 3000 steps (shipped, CPU: {shipped.metadata['seconds']:.0f} s); "
      f"held-out bpc {full['value']:.3f} (shipped {shipped.metadata['value']:.3f}); best bracket-depth |r| "
      f"{depth[1]:.2f} (shipped {depth[0]:.2f}); NumPy vs cuDNN max |dh| {full['numpy_vs_torch_max_abs_h']:.1e}")
EOF
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
grep -h "GPU speed-up" "$OUT/bench_training.txt" | tee -a "$OUT/summary.txt"
note "status $status"
exit $status
