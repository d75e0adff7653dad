# Shared by bench/quality/run.sh and bench/quality/ablation.sh (sourced from the repository root): the photo
# collection, the built CLI, and resumable steps.
photos="${PHOTOS:-$HOME/.cache/hinas/photos}"
train_args="${TRAIN_ARGS:---iterations 10000 --batch 8 --crop 48 --validate-every 1000}"
py=/usr/bin/python3

[ -f "$photos/manifest.json" ] || bash data/photos/collect.sh "$photos"
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)

# run KIND DIR DONE_FILE ARGS…: start `hinas KIND ARGS… --out DIR`, resume it, or skip it when DONE_FILE is there; a
# finished run drops its checkpoints (the trained weights stay in best/, the genotypes in the search folder)
run() {
  local kind="$1" dir="$2" done_file="$3"; shift 3
  if [ ! -f "$dir/$done_file" ]; then
    echo "== $kind $dir" >&2
    if [ -f "$dir/options.json" ]; then "${hinas[@]}" "$kind" --resume "$dir" --json >/dev/null
    else "${hinas[@]}" "$kind" "$@" --out "$dir" --json >/dev/null; fi
  fi
  rm -rf "$dir/checkpoints"
}

# search_space_args KIND: the paper's preset for the kind (denoise, blind or sr) with this bench's schedule
search_space_args() {
  if [ "$1" = sr ]; then echo "--preset paper-sr ${SR_SEARCH_ARGS:---epochs 40 --warmup 8 --arch-learning-rate 0.003}"
  else echo "--preset paper-denoise ${DENOISE_SEARCH_ARGS:---epochs 40 --warmup 8 --batch 4 --crop 32 --arch-learning-rate 0.003}"; fi
}

# train_and_evaluate DIR SIGMAS ARGS…: train (resumably) with ARGS and the bench's training settings on the photos, export
# with the ONNX Runtime latency at 640×360, evaluate the package on the evaluation photographs (at each σ of SIGMAS,
# e.g. "15 25 50", or at the task's own when SIGMAS is empty)
train_and_evaluate() {
  local dir="$1" sigmas="$2"; shift 2
  # shellcheck disable=SC2086
  run train "$dir" summary.json "$@" --data "$photos" $train_args
  [ -f "$dir/package/manifest.json" ] || "${hinas[@]}" export --checkpoint "$dir" --out "$dir/package" --measure-latency 640x360 --force --json >/dev/null
  local sigma
  for sigma in ${sigmas:-task}; do
    if [ "$sigma" = task ]; then
      [ -f "$dir/eval.json" ] || "${hinas[@]}" eval --model "$dir/package" --data "$photos/evaluation" --json > "$dir/eval.json"
    else
      [ -f "$dir/eval$sigma.json" ] || "${hinas[@]}" eval --model "$dir/package" --data "$photos/evaluation" --sigma "$sigma" --json > "$dir/eval$sigma.json"
    fi
  done
}

# baseline_width ARCH DEPTH CHANNELS SCALE PARAMS: the smallest width whose network has at least PARAMS parameters
baseline_width() {
  "$py" - "$@" <<'PY'
import sys
arch, depth, c, s, target = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def params(w):
    if arch == "dncnn":  # conv 3×3 c→w (bias), (depth−2)×(conv 3×3 w→w + BN), conv 3×3 w→c (bias)
        return 9 * c * w + w + (depth - 2) * (9 * w * w + 2 * w) + 9 * w * c + c
    # espcn: conv 5×5 c→w, (depth−2)×conv 3×3 w→w, conv 3×3 w→c·s², all with bias
    return 25 * c * w + w + (depth - 2) * (9 * w * w + w) + 9 * w * c * s * s + c * s * s
w = 1
while params(w) < target: w += 1
print(w)
PY
}
