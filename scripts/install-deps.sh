#!/usr/bin/env bash
# Installs the system packages the service and tests use, when they are missing (Debian/Ubuntu; root or sudo):
# ffmpeg/ffprobe for the video client and its tests; tcmalloc, the allocator the training commands preload
# (src/HiNas.Search/Runtime/NativeHeap.cs; without it they keep glibc's heap).
set -euo pipefail
need=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
dpkg -s libtcmalloc-minimal4 >/dev/null 2>&1 || need+=(libtcmalloc-minimal4)
if ((${#need[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
