#!/usr/bin/env bash
# Ours against the peers, side by side in one run, same machine, same threads:
#   - a HiNAS search step (paper denoising space L3 B4 F10, gray, batch 4, crop 64; one α/β update plus one weight
#     update): `hinas search --profile-memory` against the official HiNAS code's Dn_supernet (OFFICIAL_CHECKOUT, a
#     checkout of github:hkzhang-git/HiNAS, only imported) on Debian's python3-torch;
#   - a training step of the same DnCNN-style network in both (`hinas train --arch dncnn --profile-memory` against
#     bench/peers/dncnn_step.py on python3-torch), at the default baseline size and at the original DnCNN's.
# Each peer runs twice per round: as shipped (glibc's allocator), and with the allocator ours runs on, tcmalloc
# (src/HiNas.Search/Runtime/NativeHeap.cs; Debian's libtcmalloc-minimal4, preloaded), so that the allocator is not
# what decides the comparison.
# Each set runs ROUNDS times, ours and the peers alternating; the table keeps each side's fastest round (the machine's
# noise only ever adds time) and its peak memory in that round. Prints a Markdown table.
# Usage: bench/peers/run.sh OFFICIAL_CHECKOUT [ROUNDS] [STEPS] [TRAINING_STEPS]
#   (defaults 2 rounds, 4 search steps, 20 training steps: a DnCNN step takes 0.1-0.5 s, so a few of them are noise)
set -euo pipefail
cd "$(dirname "$0")/../.."
official="${1:?usage: bench/peers/run.sh OFFICIAL_HINAS_CHECKOUT [ROUNDS] [STEPS] [TRAINING_STEPS]}"
rounds="${2:-2}" steps="${3:-4}" training_steps="${4:-20}" threads=2
if [ ! -d "$official/one_stage_nas/modeling" ]; then
  echo "bench/peers: '$official' is not a checkout of the official HiNAS code (no one_stage_nas/modeling)" >&2
  exit 2
fi
py=/usr/bin/python3   # Debian's interpreter, where python3-torch installs (not a pyenv or venv one)
if ! "$py" -c "import torch, yaml" 2>/dev/null; then
  echo "bench/peers: installing python3-torch and python3-yaml from Debian" >&2
  sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  $sudo_ apt-get install -y python3-torch python3-yaml >/dev/null
fi
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
if [ ! -e "$tcmalloc" ]; then
  echo "bench/peers: installing libtcmalloc-minimal4 from Debian (ours runs on it; the peers run with and without it)" >&2
  sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  $sudo_ apt-get install -y libtcmalloc-minimal4 >/dev/null
fi
settings() { # VARIANT: the peer's environment, none as shipped, or tcmalloc preloaded as ours runs
  [ "$1" = tcmalloc ] && echo "LD_PRELOAD=$tcmalloc" || true
}
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

for round in $(seq "$rounds"); do
  "${hinas[@]}" search --task denoise --preset paper-denoise --batch 4 --crop 64 --seed 1 --threads "$threads" \
    --profile-memory --profile-steps "$steps" 2>>"$results/log" >"$results/search-ours-$round.json"
  for variant in peer tcmalloc; do
    env $(settings "$variant") "$py" bench/peers/official_search_step.py "$official" --batch 4 --crop 64 --threads "$threads" \
      --steps "$steps" 2>>"$results/log" >"$results/search-$variant-$round.json"
  done
  for size in "8 26" "17 64"; do
    set -- $size
    "${hinas[@]}" train --task denoise --arch dncnn --depth "$1" --width "$2" --batch 16 --crop 48 --seed 1 --threads "$threads" \
      --profile-memory --profile-steps "$training_steps" 2>>"$results/log" >"$results/dncnn$1-ours-$round.json"
    for variant in peer tcmalloc; do
      env $(settings "$variant") "$py" bench/peers/dncnn_step.py --depth "$1" --width "$2" --batch 16 --crop 48 \
        --threads "$threads" --steps "$training_steps" 2>>"$results/log" >"$results/dncnn$1-$variant-$round.json"
    done
  done
done

grep -h "oneDNN\|native heap" "$results/log" | sort -u | sed 's/^/<!-- /; s/$/ -->/'
"$py" - "$results" <<'PY'
import glob, json, sys
folder = sys.argv[1]
def best(name):
    runs = [json.load(open(f)) for f in sorted(glob.glob(f"{folder}/{name}-*.json"))]
    return min(runs, key=lambda r: r["seconds_per_step"])
rows = [
    ("HiNAS search step, L3 B4 F10 gray, batch 4, crop 64", "official HiNAS (Dn_supernet), PyTorch", "search"),
    ("training step, DnCNN depth 8 × 26 (our default baseline), batch 16, crop 48", "same network, PyTorch", "dncnn8"),
    ("training step, DnCNN depth 17 × 64 (original size), batch 16, crop 48", "same network, PyTorch", "dncnn17"),
]
print("| step | peer | parameters ours / peer | peak memory ours / peer / peer with tcmalloc (MiB) | ratios | seconds ours / peer / peer with tcmalloc | ratios |")
print("|---|---|---|---|---|---|---|")
for title, peer_name, key in rows:
    ours, peer, tc = best(f"{key}-ours"), best(f"{key}-peer"), best(f"{key}-tcmalloc")
    m = [r["peak_memory_bytes"] / 2**20 for r in (ours, peer, tc)]
    s = [r["seconds_per_step"] for r in (ours, peer, tc)]
    print(f"| {title} | {peer_name} | {ours['parameters']:,} / {peer['parameters']:,} | {m[0]:,.0f} / {m[1]:,.0f} / {m[2]:,.0f} | **{m[0] / m[1]:.2f}** / **{m[0] / m[2]:.2f}** | {s[0]:.3f} / {s[1]:.3f} / {s[2]:.3f} | **{s[0] / s[1]:.2f}** / **{s[0] / s[2]:.2f}** |")
peer = best("search-peer")
print(f"\nPeer: torch {peer['torch']}, oneDNN {'on' if peer['mkldnn'] else 'off'}, {peer['threads']} threads; best of the rounds for each side.")
PY
