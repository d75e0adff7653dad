#!/usr/bin/env bash
# The training data of models/build.sh and the frame-time benches: the photo collection's fixed train/validation split
# (symbolic links, so its evaluation photographs stay out) plus rendered game-like frames of the training scenes only
# (`hinas dataset rendered`, seeds 1 and 2: the same frames on every machine). Skipped once DATA_DIR/ready exists.
# Usage: data/training/prepare.sh DATA_DIR [PHOTOS_DIR=~/.cache/hinas/photos]   (run from anywhere; builds nothing: the
# CLI must be built, as the scripts that call this have done)
set -euo pipefail
data="$(realpath -m "${1:?usage: data/training/prepare.sh DATA_DIR [PHOTOS_DIR]}")"
photos="$(realpath -m "${2:-$HOME/.cache/hinas/photos}")"
cd "$(dirname "$0")/../.."
[ -f "$data/ready" ] && exit 0
[ -f "$photos/manifest.json" ] || bash data/photos/collect.sh "$photos"
hinas=src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll
[ -f "$hinas" ] || { echo "data/training/prepare.sh: $hinas is not built (dotnet build src/HiNas.Cli -c Release)" >&2; exit 2; }
rm -rf "$data" && mkdir -p "$data/train" "$data/validation"
ln -s "$photos/train" "$data/train/photos" && ln -s "$photos/validation" "$data/validation/photos"
dotnet "$hinas" dataset rendered "$data/train/rendered" --training-seed 1 --count 160 --size 480x270 >/dev/null
dotnet "$hinas" dataset rendered "$data/validation/rendered" --training-seed 2 --count 6 --size 480x270 >/dev/null
touch "$data/ready"
