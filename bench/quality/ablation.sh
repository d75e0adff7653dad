#!/usr/bin/env bash
# Ablations of HiNAS's parts and of the fidelity settings on one task, gray σ 25, against the found network of
# bench/quality/run.sh (same work folder; its search and its found network are reused, and run first when missing).
# Each row changes one thing and is searched and/or retrained with the same settings, then evaluated the same way:
#   tied        one α for all layers instead of layer-wise architecture sharing (search --tie-cells)
#   per-path    one cell per incoming path instead of cell sharing (search --no-cell-sharing)
#   separable   separable dilated candidates instead of the official dense ones (search --dilated-convs separable)
#   x1          the found genotype retrained at the search width instead of twice it (--width-multiplier 1)
#   light       the found genotype with the light head instead of the decoder (--head light)
#   last        the last epoch's genotype instead of the best-validation one (genotype-last.json)
# Usage: bench/quality/ablation.sh [WORK_DIR]    Environment: ROWS (default all of the above), and as run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-bench/quality/runs}"
rows="${ROWS:-tied per-path separable x1 light last}"
source bench/quality/lib.sh
task=(--task denoise --sigma 25 --channels 1)
main="$work/denoise-s25-c1"
[ -f "$main/found/summary.json" ] || TASKS=denoise:25:1 NETS=found bash bench/quality/run.sh "$work"
ablation="$work/ablation-denoise-s25-c1"
mkdir -p "$ablation"

# same_network A B: whether two genotype files derive the same network (all but the architecture weights and their entropies)
same_network() {
  "$py" - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
weights = {"alpha", "beta", "alpha_entropy", "beta_entropy"}
sys.exit(0 if {k: v for k, v in a.items() if k not in weights} == {k: v for k, v in b.items() if k not in weights} else 1)
PY
}

for row in $rows; do
  case "$row" in
    tied|per-path|separable)
      flag=$(case "$row" in tied) echo --tie-cells;; per-path) echo --no-cell-sharing;; separable) echo "--dilated-convs separable";; esac)
      # shellcheck disable=SC2046,SC2086
      resumable_step search "$ablation/$row/search" genotype.json "${task[@]}" --data "$photos" $(search_space_args denoise) $flag
      train_and_evaluate "$ablation/$row" "" --genotype "$ablation/$row/search/genotype.json";;
    x1) train_and_evaluate "$ablation/$row" "" --genotype "$main/search/genotype.json" --width-multiplier 1;;
    light) train_and_evaluate "$ablation/$row" "" --genotype "$main/search/genotype.json" --head light;;
    last)
      # the same derived network (cells and width path; the genotypes' α, β and entropies differ by epoch) trains the same
      if same_network "$main/search/genotype-last.json" "$main/search/genotype.json"; then
        echo "bench/quality: the last epoch's genotype derives the best-validation one's network; the 'last' row is the found row" >&2
      else train_and_evaluate "$ablation/$row" "" --genotype "$main/search/genotype-last.json"; fi;;
    *) echo "bench/quality: unknown ablation row '$row'" >&2; exit 2;;
  esac
done

"$py" bench/quality/collect.py "$work" > "$work/results.jsonl"
"$py" bench/quality/table.py "$work/results.jsonl"
