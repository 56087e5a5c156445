#!/usr/bin/env bash
# Pins the libtorch CUDA natives that docker/Dockerfile.cuda downloads: fetches DJL's file list for one
# version and flavor, downloads every native of linux-x86_64, and rewrites docker/libtorch-cuda.sha256 with
# their sha256. Needs internet. Usage: docker/pin-libtorch-cuda.sh [version] [flavor]   (default 2.7.1 cu128)
set -euo pipefail
version="${1:-2.7.1}"
flavor="${2:-cu128}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
base="https://publish.djl.ai/pytorch/${version}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

curl -fsSL "$base/files.txt" -o "$tmp/files.txt"
mapfile -t files < <(grep "^${flavor}/linux-x86_64/native/lib/" "$tmp/files.txt" | sed 's#.*/##; s#\.gz$##')
[ "${#files[@]}" -gt 0 ] || { echo "no ${flavor}/linux-x86_64 natives in $base/files.txt" >&2; exit 1; }
{
  echo "# sha256 of each libtorch CUDA native (uncompressed), as \`sha256sum\` prints it: \"<sha256>  <file name>\"."
  echo "# Flavor ${flavor} of libtorch ${version} for linux-x86_64, as DJL publishes it (the list is DJL's files.txt)."
  echo "# Written by docker/pin-libtorch-cuda.sh on $(date -u +%Y-%m-%d)."
  for f in "${files[@]}"; do
    curl -fsSL --retry 3 "$base/${flavor}/linux-x86_64/native/lib/${f}.gz" | gunzip > "$tmp/$f"
    (cd "$tmp" && sha256sum "$f")
  done
} > "$here/libtorch-cuda.sha256"
echo "pinned ${#files[@]} files in docker/libtorch-cuda.sha256; set LIBTORCH_VERSION/LIBTORCH_FLAVOR in Dockerfile.cuda to match" >&2
