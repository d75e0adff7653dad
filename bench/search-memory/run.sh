#!/usr/bin/env bash
# Peak memory and time per search step: cell sharing vs per-path, LWAS vs tied cells, at the same
# configuration, batch and crop. Each configuration runs in its own process (`hinas search --profile-memory`),
# one after another in this one run, so the figures are side by side. Prints a Markdown table.
# Usage: bench/search-memory/run.sh [STEPS]   (default 3 measured steps after the first)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps="${1:-4}"
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)

profile() { "${hinas[@]}" search --task denoise --sigma 25 --profile-memory --profile-steps "$steps" --seed 1 "$@"; }

echo "| configuration | variant | parameters | peak memory per step (MiB) | seconds per step |"
echo "|---|---|---|---|---|"
row() {
  local name="$1" variant="$2"; shift 2
  profile "$@" | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(f\"| $name | $variant | {d['parameters']:,} | {d['peak_memory_bytes'] / 2**20:,.0f} | {d['seconds_per_step']:.2f} |\")"
}
paper=(--preset paper-denoise)
row "paper denoise: L3 B4 F10, batch 6, crop 64" "cell sharing, LWAS (HiNAS)" "${paper[@]}"
row "paper denoise: L3 B4 F10, batch 6, crop 64" "per-path, LWAS" "${paper[@]}" --no-cell-sharing
row "paper denoise: L3 B4 F10, batch 6, crop 64" "cell sharing, tied α" "${paper[@]}" --tie-cells
row "paper denoise: L3 B4 F10, batch 6, crop 64" "per-path, tied α" "${paper[@]}" --no-cell-sharing --tie-cells
deep=(--layers 6 --blocks 4 --filters 10 --batch 6 --crop 32)
row "deeper: L6 B4 F10, batch 6, crop 32" "cell sharing, LWAS (HiNAS)" "${deep[@]}"
row "deeper: L6 B4 F10, batch 6, crop 32" "per-path, LWAS" "${deep[@]}" --no-cell-sharing
