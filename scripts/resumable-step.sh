# Sourced by the long-run scripts (models/build.sh, bench/quality/lib.sh), after they set the array `hinas`.
# resumable_step KIND DIR DONE_FILE ARGS…: start `hinas KIND ARGS… --out DIR`, resume it (`--resume DIR`) when DIR has
# its options, or skip it when DONE_FILE is there; a finished step drops its checkpoints (the trained weights stay in
# best/, the genotypes in the search folder), so that a work folder stays small enough to commit between sessions.
resumable_step() {
  local kind="$1" dir="$2" done_file="$3"; shift 3
  if [ ! -f "$dir/$done_file" ]; then
    echo "== $kind $dir ($(date -u +%H:%M))" >&2
    # a failed step returns its status with its checkpoints kept, also where the caller tests it (`if !`, where
    # errexit does not stop a function)
    if [ -f "$dir/options.json" ]; then "${hinas[@]}" "$kind" --resume "$dir" --json >/dev/null || return
    else "${hinas[@]}" "$kind" "$@" --out "$dir" --json >/dev/null || return; fi
  fi
  rm -rf "$dir/checkpoints"
}
