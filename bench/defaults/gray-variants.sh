# Sourced by the scripts that train the gray default's genotype in variants (noise-map.sh, pixel-loss.sh), after
# `work` and `runs` are set and the working directory is the repository: the photo collection, the check that
# models/build.sh made the data and the gray search, the CLI, resumable steps, and the common training options.
photos="${PHOTOS:-$HOME/.cache/hinas/photos}"
bash scripts/install-deps.sh
[ -f "$photos/manifest.json" ] || bash data/photos/collect.sh "$photos"
[ -f "$runs/denoise-gray-search/genotype.json" ] && [ -f "$runs/data/ready" ] \
  || { echo "$(basename "$0"): run models/build.sh first (it makes $runs/data and the gray search)" >&2; exit 2; }
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
hinas=(dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll)
source scripts/resumable-step.sh
mkdir -p "$work"
gray_variant=(--genotype "$runs/denoise-gray-search/genotype.json" --sigma-range 0:50 --data "$runs/data" --batch 16 --crop 64 --validate-every 1000)
