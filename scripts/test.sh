#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds, runs every test project once,
# and ends with one line "N passed, N failed". Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

status=0
dotnet build HiNas.Realtime.sln -c Release -nologo -clp:ErrorsOnly || status=$?
if [ "$status" -eq 0 ]; then
  # a test that hangs for 10 minutes is killed, and the blame collector names it (CI's limit is 30 minutes in all)
  dotnet test HiNas.Realtime.sln -c Release --no-build -nologo --blame-hang-timeout 10m --blame-hang-dump-type none \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?
fi

# Sum the counters of every TRX file (one per test project).
count() { grep -ho "<Counters [^>]*" "$results"/*.trx 2>/dev/null | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*" | awk '{s+=$1} END {print s+0}'; }
passed=$(count passed)
failed=$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) ))
trx=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the run broke before its tests could report (build error, crashed test host)
fi
if [ "$trx" -eq 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # no test ran at all
fi
# Every test project must have reported: a test host that crashed or was killed leaves no results for its project.
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  if ! grep -qs "$name.dll" "$results"/*.trx; then
    echo "FAILED: $name reported no results (its test host crashed, hung or did not start)"
    failed=$((failed + 1))
  fi
done
# Name every test that did not pass, with the first lines of its message, just above the summary line, so that
# a log cut to its tail still says what failed.
for f in "$results"/*.trx; do
  [ -e "$f" ] || continue
  tr '\n' ' ' < "$f" | grep -oP '<UnitTestResult [^>]*outcome="(Failed|Error|Timeout|Aborted)".*?</UnitTestResult>' |
    while IFS= read -r r; do
      name=$(grep -oP 'testName="\K[^"]*' <<<"$r" | head -1)
      msg=$(grep -oP '<Message>\K.*?(?=</Message>)' <<<"$r" | head -c 600)
      echo "FAILED: $name"
      [ -n "$msg" ] && echo "  $msg"
    done
done
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
