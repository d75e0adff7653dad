#!/usr/bin/env bash
# bench/serving: starts the server (Release) as its own process on 127.0.0.1:5180 with a fresh state folder
# (the embedded default models), runs the benchmark client against it, and stops it.
# Usage: bench/serving/run.sh [MODEL=denoise-rgb] [FRAMES=300] [IN_FLIGHT=4] [INPUT=640x360]
set -euo pipefail
cd "$(dirname "$0")/../.."
model="${1:-denoise-rgb}"
frames="${2:-300}"
in_flight="${3:-4}"
input="${4:-640x360}"
state="$(mktemp -d)"
dotnet build src/HiNas.Server -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/serving -c Release -nologo -clp:ErrorsOnly >/dev/null
HiNas__StateFolder="$state" HiNas__GrpcUrl=http://127.0.0.1:5180 HiNas__HttpUrl=http://127.0.0.1:5181 \
  dotnet src/HiNas.Server/bin/Release/net10.0/linux-x64/HiNas.Server.dll > "$state/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$state"' EXIT
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:5181/healthz >/dev/null && break; sleep 0.5; done
dotnet bench/serving/bin/Release/net10.0/HiNas.Bench.Serving.dll http://127.0.0.1:5180 "$server" "$state/models" "$model" "$frames" "$in_flight" "$input"
echo "server metrics (frames):"
curl -s http://127.0.0.1:5181/metrics | grep '^hinas_frames_total' || true
