#!/usr/bin/env bash
# Collects the photo collection listed in data/photos/sources.tsv: downloads each listed Debian package at its listed
# version (`apt-get download`, no installation; kept in a cache for the next run), extracts it, and runs
# `hinas dataset photos`, which checks every file's SHA-256, crops, downscales, refuses look-alikes and writes
# OUT_DIR/{train,validation,evaluation}/*.png with manifest.json and the packages' copyright files.
# Usage: data/photos/collect.sh OUT_DIR [MAX_SIDE]     (a few minutes; about 300 MB of packages)
# Train with `--data OUT_DIR` (its train/ and validation/ are the fixed split); evaluate with `--data OUT_DIR/evaluation`.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: data/photos/collect.sh OUT_DIR [MAX_SIDE]}"
max_side="${2:-1024}"
sources=data/photos/sources.tsv
cache="${XDG_CACHE_HOME:-$HOME/.cache}/hinas/debs"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache" "$work/packages"
sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
updated=""
grep -v '^#' "$sources" | awk -F'\t' 'NF == 8 {print $2 "\t" $3}' | sort -u | while IFS=$'\t' read -r package version; do
  deb="$cache/${package}_${version//:/%3a}_all.deb"
  if [ ! -s "$deb" ]; then
    echo "collect: downloading $package $version" >&2
    if ! (cd "$cache" && apt-get download -q "$package=$version" >/dev/null 2>&1); then
      if [ -z "$updated" ]; then $sudo_ apt-get update -qq; updated=1; fi
      (cd "$cache" && apt-get download -q "$package=$version" >/dev/null 2>&1) \
        || { echo "collect: Debian does not offer $package $version here (sources.tsv pins it; see 'apt-cache policy $package')" >&2; exit 1; }
    fi
    [ -s "$deb" ] || deb="$(ls "$cache/${package}_"*"_all.deb" | head -1)"
  fi
  dpkg-deb -x "$deb" "$work/packages/$package"
done
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll dataset photos "$out" --sources "$sources" --packages "$work/packages" --max-side "$max_side"
