#!/usr/bin/env bash
# bench/soak: starts the server (Release) as its own process on 127.0.0.1:5190 (HTTP/1.1 on 5191) with a fresh state
# folder, runs the soak client against it for MINUTES of mixed traffic (after one minute of the well-behaved streams
# alone), and stops it. Loopback only; bounded in time and count.
# Usage: bench/soak/run.sh [MINUTES=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes="${1:-10}"
state="$(mktemp -d)"
dotnet build src/HiNas.Server -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/soak -c Release -nologo -clp:ErrorsOnly >/dev/null
key="soak-api-key-0123456789"
HiNas__StateFolder="$state" HiNas__GrpcUrl=http://127.0.0.1:5190 HiNas__HttpUrl=http://127.0.0.1:5191 \
  HiNas__Jobs__ApiKey="$key" HiNas__Jobs__WorkerThreads=1 \
  dotnet src/HiNas.Server/bin/Release/net10.0/linux-x64/HiNas.Server.dll > "$state/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$state"' EXIT
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:5191/healthz >/dev/null && break; sleep 0.5; done
status=0
dotnet bench/soak/bin/Release/net10.0/HiNas.Bench.Soak.dll http://127.0.0.1:5190 http://127.0.0.1:5191 "$server" "$key" "$minutes" || status=$?
echo "server metrics:"
curl -s http://127.0.0.1:5191/metrics | grep -E '^hinas_(frames_total|frames_dropped_total|rpc_errors_total|stream_frame_bytes|engine_waiting|frame_stage_milliseconds_(sum|count))' || true
echo "server log lines at warning or above: $(grep -cE '^(warn|fail|crit)' "$state/server.log" || true); the kinds:"
grep -A1 -E '^(warn|fail|crit)' "$state/server.log" | grep -vE '^(warn|fail|crit|--)' | sed -E 's/[0-9a-f]{8}-[0-9]{6}-[0-9a-f]{6}|[0-9]+/N/g' | sort | uniq -c | sort -rn | head -10 || true
exit "$status"
