#!/usr/bin/env bash
# Pins the libtorch CUDA natives that docker/Dockerfile.cuda installs: fetches DJL's file list for one version and
# flavor, downloads every native of linux-x86_64 and rewrites docker/libtorch-cuda.sha256 with their sha256 (the
# uncompressed files, which is what fetch-libtorch-cuda.sh verifies). Needs internet. Review the diff (the file names
# should be libtorch's, libc10's, CUDA's and cuDNN's) and commit it.
#   docker/pin-libtorch-cuda.sh [version] [flavor]   (default 2.7.1 cu128: the flavor the pytorch-jni jar has glue for)
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
printf '%s\n' "${files[@]}" | grep -qx libtorch.so || { echo "no libtorch.so among them" >&2; exit 1; }
lines=()
for f in "${files[@]}"; do
  curl -fsSL --retry 3 "$base/${flavor}/linux-x86_64/native/lib/${f}.gz" | gunzip > "$tmp/$f"
  lines+=("$(cd "$tmp" && sha256sum "$f")")
done
{
  echo "# The libtorch CUDA natives Dockerfile.cuda installs, as DJL publishes them for linux-x86_64"
  echo "# (https://publish.djl.ai/pytorch/<version>/<flavor>/linux-x86_64/native/lib/<file>.gz; the list is DJL's files.txt)."
  echo "# version and flavor must match the pytorch-jni jar in the parent pom."
  echo "# version=${version}"
  echo "# flavor=${flavor}"
  echo "# Written by docker/pin-libtorch-cuda.sh on $(date -u +%Y-%m-%d) from $base/files.txt."
  printf '%s\n' "${lines[@]}"
} > "$here/libtorch-cuda.sha256"
echo "pinned ${#files[@]} files in docker/libtorch-cuda.sha256" >&2
