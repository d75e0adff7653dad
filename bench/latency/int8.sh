#!/usr/bin/env bash
# bench/latency: latency tables in int8 against float32 ones. Profiles the RGB default denoiser's space
# (--preset frame-time-denoise-fused, RGB) at RESOLUTION in both precisions, then checks each table's predictions
# against ONNX Runtime runs of whole networks in its precision (8 random networks of the space and the default's
# genotype, bench/latency/genotypes/fused/), and times the genotype in both precisions beside the served float
# package and, when given, an int8 export of it (`hinas export --checkpoint … --int8`), in interleaved rounds.
# Usage: bench/latency/int8.sh [WORK_DIR=/tmp/hinas-int8-latency] [RESOLUTION=640x360] [INT8_PACKAGE]
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-/tmp/hinas-int8-latency}"
resolution="${2:-640x360}"
int8_package="${3:-}"
mkdir -p "$work"
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/latency -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
bench=(dotnet bench/latency/bin/Release/net10.0/linux-x64/HiNas.Bench.Latency.dll)
genotype=bench/latency/genotypes/fused/denoise-rgb.json
for precision in float32 int8; do
  "${hinas[@]}" profile-latency --task denoise --sigma 25 --channels 3 --preset frame-time-denoise-fused \
    --resolution "$resolution" --repeats 15 --precision "$precision" --out "$work/table-$precision.json" --json
done
for precision in float32 int8; do
  # check exits 1 when the mean error is over 15 %: recorded, not fatal
  "${bench[@]}" check-preset "$work/table-$precision.json" frame-time-denoise-fused denoise 3 25 8 "$genotype" | tee "$work/check-$precision.md" || true
done
packages=(models/denoise-rgb); [ -n "$int8_package" ] && packages+=("$int8_package")
for round in 1 2 3; do
  "${bench[@]}" packages "$resolution" 5 "${packages[@]}"
  for precision in float32 int8; do "${bench[@]}" measure "$work/table-$precision.json" --rounds 5 "$genotype"; done
done | tee "$work/side-by-side.jsonl"
