#!/usr/bin/env bash
# Installs the system packages the service and tests use, when they are missing (Debian/Ubuntu; root or sudo).
# Nothing is needed yet beyond the .NET SDK; later parts (video client) add ffmpeg here.
set -euo pipefail
need=()
if ((${#need[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
