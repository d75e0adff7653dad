# Shared by bench/quality/run.sh and bench/quality/ablation.sh (sourced from the repository root): the photo
# collection, the built CLI, and resumable steps.
photos="${PHOTOS:-$HOME/.cache/hinas/photos}"
train_args="${TRAIN_ARGS:---iterations 10000 --batch 8 --crop 48 --validate-every 1000}"
py=/usr/bin/python3

bash scripts/install-deps.sh  # tcmalloc, which the training commands run on
[ -f "$photos/manifest.json" ] || bash data/photos/collect.sh "$photos"
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)

source scripts/resumable-step.sh

# search_space_args KIND: the paper's preset for the kind (denoise, blind or sr) with this bench's schedule
search_space_args() {
  local architect="--arch-learning-rate 0.003 --arch-weight-decay 0 --skip-dropout 0.3"
  if [ "$1" = sr ]; then echo "--preset paper-sr ${SR_SEARCH_ARGS:---epochs 40 --warmup 8 $architect}"
  else echo "--preset paper-denoise ${DENOISE_SEARCH_ARGS:---epochs 40 --warmup 8 --batch 4 --crop 32 $architect}"; fi
}

# train_and_evaluate DIR SIGMAS ARGS…: train (resumably) with ARGS and the bench's training settings on the photos, export
# with the ONNX Runtime latency at 640×360, evaluate the package on the evaluation photographs (at each σ of SIGMAS,
# e.g. "15 25 50", or at the task's own when SIGMAS is empty)
train_and_evaluate() {
  local dir="$1" sigmas="$2"; shift 2
  # shellcheck disable=SC2086
  resumable_step train "$dir" summary.json "$@" --data "$photos" $train_args
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

# baseline_width ARCH DEPTH PARAMS TASK_ARGS…: the smallest width (bisection) whose network, as `hinas train` builds it,
# has at least PARAMS parameters
baseline_width() {
  local arch="$1" depth="$2" target="$3"; shift 3
  local low=1 high=1024 mid
  while [ "$low" -lt "$high" ]; do
    mid=$(( (low + high) / 2 ))
    if [ "$(parameters --arch "$arch" --depth "$depth" --width "$mid" "$@")" -ge "$target" ]; then high=$mid; else low=$((mid + 1)); fi
  done
  echo "$low"
}

# parameters ARCH_AND_TASK_ARGS…: the served parameter count of the network `hinas train` would build (two tiny profiled
# steps), the count the tables print (without the 1×1 branches the export folds away)
parameters() {
  "${hinas[@]}" train "$@" --batch 1 --crop 48 --threads 1 --profile-memory --profile-steps 2 2>/dev/null \
    | "$py" -c "import json, sys; print(json.load(sys.stdin)['served_parameters'])"
}

# served_side_by_side DIR TIMES ROUNDS NET…: the served form of each trained network DIR/train-NET, exported, evaluated
# by ONNX Runtime on the evaluation photographs (DIR/train-NET/package.eval.json), and all timed side by side at 640×360
# into TIMES (`bench/latency packages`, ROUNDS interleaved rounds, the median; the caller builds bench/latency and sets
# `latency`). A package is exported again from the trained weights when a step needs it, and dropped once timed.
served_side_by_side() {
  local dir="$1" times="$2" rounds="$3"; shift 3
  local net run packages=()
  for net in "$@"; do
    run="$dir/train-$net"
    if [ ! -f "$run/package.eval.json" ] || [ ! -f "$times" ]; then
      [ -f "$run/package/manifest.json" ] || "${hinas[@]}" export --checkpoint "$run" --out "$run/package" --force --json >/dev/null
    fi
    [ -f "$run/package.eval.json" ] || "${hinas[@]}" eval --model "$run/package" --data "$photos/evaluation" --json > "$run/package.eval.json"
    packages+=("$run/package")
  done
  [ -f "$times" ] || { "${latency[@]}" packages 640x360 "$rounds" "${packages[@]}" > "$times.tmp" && mv "$times.tmp" "$times"; }
  rm -rf "${packages[@]}"
}
