#!/usr/bin/env bash
# Cross-checks `hinas metrics` and `hinas degrade` against independent code on real photographs:
# scikit-image's PSNR/SSIM and a NumPy implementation of MATLAB's imresize written from its documented
# algorithm. Photographs: Debian's opencv-doc examples (installed here, not committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! /usr/bin/python3 -c "import numpy, skimage, PIL" 2>/dev/null || [ ! -d /usr/share/doc/opencv-doc/examples/data ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-numpy python3-skimage python3-pil opencv-doc >/dev/null
fi
dotnet build src/HiNas.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
/usr/bin/python3 bench/conventions/check.py "dotnet src/HiNas.Cli/bin/Release/net10.0/linux-x64/hinas.dll" /usr/share/doc/opencv-doc/examples/data
