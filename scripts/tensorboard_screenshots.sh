#!/usr/bin/env bash
# Headless screenshots of TensorBoard's views for the docs: OUT/PREFIX<view>.png for each view named.
#   bash scripts/tensorboard_screenshots.sh runs/ablation-trec docs    # tensorboard_scalars.png, tensorboard_hparams.png
#   SMOOTHING=0 HEIGHT=1180 SCALARS='^(train/loss|train/lr|dev/accuracy|dev_f1/.*)$' \
#     bash scripts/tensorboard_screenshots.sh runs docs tensorboard_trec_ scalars images text   # the README's
# Views: scalars (the tags matching the regex $SCALARS, default dev/accuracy and train/loss; $SMOOTHING, default 0.6),
# hparams, images (the confusion matrix, 720 pixels high), text (the dev examples). $HEIGHT: the window's, default 1000.
# Needs Debian's chromium (apt-get install chromium) and the project's .venv.
set -euo pipefail
logdir=${1:?logdir}; out=${2:-docs}; prefix=${3:-tensorboard_}; port=${PORT:-6077}
scalars=${SCALARS:-dev/accuracy|train/loss$}
shift $(($# < 3 ? $# : 3))
views=("$@"); [ ${#views[@]} -gt 0 ] || views=(scalars hparams)
mkdir -p "$out"
.venv/bin/tensorboard --logdir "$logdir" --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
tb=$!
trap 'kill $tb' EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/data/runs" | grep -q '"' && break; sleep 1; done
shoot() {  # name url
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --window-size=1500,"${HEIGHT:-1000}" \
    --virtual-time-budget=30000 --screenshot="$out/$1" "$2" >/dev/null 2>&1
}
urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
url="http://127.0.0.1:$port/#"
for view in "${views[@]}"; do
  case $view in
    scalars) shoot "${prefix}scalars.png" \
               "${url}scalars&_smoothingWeight=${SMOOTHING:-0.6}&tagFilter=$(urlencode "$scalars")" ;;
    hparams) shoot "${prefix}hparams.png" "${url}hparams" ;;
    images) HEIGHT=720 shoot "${prefix}images.png" "${url}images" ;;  # one figure: a shorter window
    text) shoot "${prefix}text.png" "${url}text&tagFilter=dev%2Fexamples" ;;
    *) echo "unknown view: $view (scalars, hparams, images, text)" >&2; exit 1 ;;
  esac
done
ls -la "$out/$prefix"*.png
