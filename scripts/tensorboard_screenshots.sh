#!/usr/bin/env bash
# Headless screenshots of TensorBoard's Scalars and HParams views for the README.
#   bash scripts/tensorboard_screenshots.sh runs/ablation-trec docs
# Needs Debian's chromium (apt-get install chromium) and the project's .venv.
set -euo pipefail
logdir=${1:?logdir}; out=${2:-docs}; port=${PORT:-6077}
mkdir -p "$out"
.venv/bin/tensorboard --logdir "$logdir" --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
tb=$!
trap 'kill $tb' EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/data/runs" | grep -q seed && break; sleep 1; done
shoot() {  # name url
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --window-size=1500,1000 \
    --virtual-time-budget=30000 --screenshot="$out/$1" "$2" >/dev/null 2>&1
}
shoot tensorboard_scalars.png "http://127.0.0.1:$port/#scalars&tagFilter=dev%2Faccuracy%7Ctrain%2Floss%24"
shoot tensorboard_hparams.png "http://127.0.0.1:$port/#hparams"
ls -la "$out"/tensorboard_*.png
