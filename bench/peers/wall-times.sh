#!/usr/bin/env bash
# Wall times of the whole runs a user waits for, for two commits side by side on this machine: `hinas search` at its
# defaults (denoising, dead leaves) and `models/build.sh` (three searches, three trainings, three exports). Each commit
# is checked out into a temporary worktree and built there; models/ of this checkout is never touched. The runs go
# one after another: search BEFORE, search AFTER, build AFTER, build BEFORE. Prints a Markdown table.
# Usage: bench/peers/wall-times.sh BEFORE_REF AFTER_REF [search|build|all]   (default all; `build` takes 20–60 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
before="${1:?usage: bench/peers/wall-times.sh BEFORE_REF AFTER_REF [search|build|all]}"
after="${2:?usage: bench/peers/wall-times.sh BEFORE_REF AFTER_REF [search|build|all]}"
what="${3:-all}"
case "$what" in search|build|all) ;; *) echo "wall-times: the third argument must be search, build or all, got '$what'" >&2; exit 2 ;; esac
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/before" 2>/dev/null; git worktree remove --force "$work/after" 2>/dev/null; rm -rf "$work"' EXIT
for side in before after; do
  ref="${!side}"
  git worktree add --detach "$work/$side" "$ref" >/dev/null 2>&1 || { echo "wall-times: cannot check out '$ref'" >&2; exit 2; }
  (cd "$work/$side" && dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null)
done
timed() { # SIDE LABEL COMMAND...
  local side="$1" label="$2"; shift 2
  local start end
  start=$(date +%s.%N)
  (cd "$work/$side" && /usr/bin/time -f "%M" -o "$work/$side-$label.rss" "$@" >"$work/$side-$label.log" 2>&1) \
    || { echo "wall-times: $label failed on $side (log: $work/$side-$label.log)" >&2; tail -5 "$work/$side-$label.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$side $label $(echo "$end - $start" | bc) $(tail -1 "$work/$side-$label.rss")" >>"$work/times"
}
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
if [ "$what" != build ]; then
  timed before search "${hinas[@]}" search --task denoise --out "$work/before-run" --json
  timed after search "${hinas[@]}" search --task denoise --out "$work/after-run" --json
fi
if [ "$what" != search ]; then
  timed after build bash models/build.sh "$work/after-models"
  timed before build bash models/build.sh "$work/before-models"
fi
echo "| run | $(git rev-parse --short "$before") (before) | $(git rev-parse --short "$after") (after) | after / before |"
echo "|---|---|---|---|"
for label in search build; do
  b=$(awk -v l="$label" '$1=="before" && $2==l {print $3, $4}' "$work/times")
  a=$(awk -v l="$label" '$1=="after" && $2==l {print $3, $4}' "$work/times")
  [ -z "$b" ] && continue
  set -- $b $a
  printf '| %s | %.0f s, peak RSS %.1f GiB | %.0f s, peak RSS %.1f GiB | %.2f |\n' \
    "$([ "$label" = search ] && echo '`hinas search --task denoise` (defaults)' || echo '`models/build.sh`')" \
    "$1" "$(echo "$2 / 1048576" | bc -l)" "$3" "$(echo "$4 / 1048576" | bc -l)" "$(echo "$3 / $1" | bc -l)"
done
