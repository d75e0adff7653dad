#!/usr/bin/env bash
# bench/latency: profiles the default denoising space (RGB, L3 B3 F10, stem 64) at 640×360 with
# `hinas profile-latency`, then compares the table's predictions with ONNX Runtime runs of 8 random genotypes of
# that space and the 2 genotypes bench/quality's RGB searches found (bench/latency/genotypes).
# Usage: bench/latency/run.sh [RESOLUTION=640x360]
set -euo pipefail
cd "$(dirname "$0")/../.."
resolution="${1:-640x360}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/latency -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll profile-latency --task denoise --channels 3 \
  --resolution "$resolution" --repeats 7 --out "$work/table.json" --json
dotnet bench/latency/bin/Release/net10.0/linux-x64/HiNas.Bench.Latency.dll check "$work/table.json" denoise 3 25 3 3 10 64 8 bench/latency/genotypes/*.json
