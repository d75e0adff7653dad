#!/usr/bin/env bash
# Times every exported package of a bench/quality work folder side by side — ONNX Runtime at 640×360 with the server's
# settings, in interleaved rounds, the median — into WORK_DIR/latency.jsonl, which collect.py prefers over the
# manifests' latencies (each measured when its row was exported, under whatever else the machine ran then).
# Usage: bench/quality/latency.sh [WORK_DIR=bench/quality/runs] [ROUNDS=5]   (run it with nothing else on the machine)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-bench/quality/runs}"
rounds="${2:-5}"
dotnet build bench/latency -c Release -nologo -clp:ErrorsOnly >/dev/null
mapfile -t packages < <(find "$work" -path '*/package/manifest.json' -printf '%h\n' | sort)
[ "${#packages[@]}" -gt 0 ] || { echo "bench/quality: no exported packages under $work" >&2; exit 2; }
dotnet bench/latency/bin/Release/net10.0/linux-x64/HiNas.Bench.Latency.dll packages 640x360 "$rounds" "${packages[@]}" > "$work/latency.jsonl.tmp"
mv "$work/latency.jsonl.tmp" "$work/latency.jsonl"
/usr/bin/python3 bench/quality/collect.py "$work" > "$work/results.jsonl"
/usr/bin/python3 bench/quality/table.py "$work/results.jsonl"
