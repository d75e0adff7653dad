#!/usr/bin/env bash
# Quality benchmark on natural photographs. Per task: a HiNAS search on the photo collection's training split; then
# the found genotype, the hand-designed baseline (DnCNN depth 17 for denoising, ESPCN depth 4 for SR) at the smallest
# width with at least the found network's parameters, and 3 random genotypes of the same space, each retrained with
# the same settings and data; each exported to ONNX (latency at 640×360 measured by ONNX Runtime, as served) and
# evaluated by `hinas eval --model` on the collection's evaluation split (never read by training).
# Every step is resumable: a finished one is skipped and a started one continues from its checkpoint, so the work
# folder (default bench/quality/runs, committed between sessions) carries a run that takes longer than a session.
# Usage: bench/quality/run.sh [WORK_DIR]
# Environment:
#   TASKS        kind:value:channels, space-separated: denoise:SIGMA:C, sr:SCALE:C, or blind:MAX:C (one denoiser for
#                σ 0–MAX, evaluated at σ 15, 25 and 50; it trains the σ 25 search's genotype: list denoise:25:C first)
#                (default "denoise:25:1 denoise:50:1 denoise:25:3 sr:2:3 sr:4:3")
#   NETS         which networks (default "found baseline random:1 random:2 random:3"; baseline after found)
#   DENOISE_SEARCH_ARGS, SR_SEARCH_ARGS  added to `hinas search --preset paper-denoise|paper-sr` (bench/quality/lib.sh:
#                the paper's spaces and steps per epoch, 40 epochs instead of 100, for denoising batch 4 and crop 32)
#   TRAIN_ARGS   added to `hinas train` for every network (default --iterations 10000 --batch 8 --crop 48 --validate-every 1000)
#   PHOTOS       the photo collection (default ~/.cache/hinas/photos; collected by data/photos/collect.sh when missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-bench/quality/runs}"
tasks="${TASKS:-denoise:25:1 denoise:50:1 denoise:25:3 sr:2:3 sr:4:3}"
nets="${NETS:-found baseline random:1 random:2 random:3}"
source bench/quality/lib.sh
mkdir -p "$work"

for spec in $tasks; do
  IFS=: read -r kind value channels <<<"$spec"
  case "$kind" in
    denoise) task=(--task denoise --sigma "$value" --channels "$channels"); extra=(); sigmas=""; slug="denoise-s$value-c$channels";;
    blind) task=(--task denoise --sigma 25 --channels "$channels"); extra=(--sigma-range "0:$value"); sigmas="15 25 50"; slug="blind$value-c$channels";;
    sr) task=(--task sr --scale "$value" --channels "$channels"); extra=(); sigmas=""; slug="sr-x$value-c$channels";;
    *) echo "bench/quality: unknown task kind '$kind' in '$spec'" >&2; exit 2;;
  esac
  search_dir="$work/$([ "$kind" = blind ] && echo "denoise-s25-c$channels" || echo "$slug")/search"
  # shellcheck disable=SC2046
  resumable_step search "$search_dir" genotype.json "${task[@]}" --data "$photos" $(search_space_args "$kind")
  genotype="$search_dir/genotype.json"
  read -r layers blocks filters stem < <("$py" -c "import json;g=json.load(open('$genotype'));print(g['layers'],g['blocks'],g['filters'],g['stem_channels'])")

  for net in $nets; do
    case "$net" in
      found) arch=(--genotype "$genotype");;
      random:*) arch=(--arch "$net" --layers "$layers" --blocks "$blocks" --filters "$filters" --stem-channels "$stem" "${task[@]}");;
      baseline)
        [ -f "$work/$slug/found/summary.json" ] || { echo "bench/quality: the baseline is sized after the found network; put found before it in NETS" >&2; exit 2; }
        found_params=$("$py" -c "import json;print(json.load(open('$work/$slug/found/summary.json'))['parameters'])")
        if [ "$kind" = sr ]; then base=espcn depth=4; else base=dncnn depth=17; fi
        arch=(--arch "$base" --depth "$depth" --width "$(baseline_width "$base" "$depth" "$found_params" "${task[@]}")" "${task[@]}");;
      *) echo "bench/quality: unknown network '$net'" >&2; exit 2;;
    esac
    train_and_evaluate "$work/$slug/${net/:/-}" "$sigmas" "${arch[@]}" "${extra[@]}"
  done
done

"$py" bench/quality/collect.py "$work" > "$work/results.jsonl"
"$py" bench/quality/table.py "$work/results.jsonl"
