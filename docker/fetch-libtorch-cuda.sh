#!/bin/sh
# Downloads the libtorch CUDA natives that docker/libtorch-cuda.sha256 pins, from DJL's published location (the same
# files DJL itself would download at run time, built together with the JNI glue in the pytorch-jni jar), and verifies
# each against its pinned sha256. Refuses when nothing is pinned, when a pinned file is missing from the server, or
# on any mismatch: an unverified library never reaches an image. Run by Dockerfile.cuda at build.
#
#   fetch-libtorch-cuda.sh <pins file> <out dir> [base URL, default https://publish.djl.ai/pytorch]
#
# The pins file says which version and flavor it pins ("# version=2.7.1", "# flavor=cu128") and lists
# "<sha256>  <file>" lines as sha256sum prints them, one per file of DJL's files.txt for that flavor
# (docker/pin-libtorch-cuda.sh writes it on a machine with internet).
set -eu
pins="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$2"
base="${3:-https://publish.djl.ai/pytorch}"
version=$(sed -n 's/^# version=//p' "$pins")
flavor=$(sed -n 's/^# flavor=//p' "$pins")
files=$(grep -v '^#' "$pins" | awk 'NF == 2 {print $2}')
if [ -z "$files" ] || [ -z "$version" ] || [ -z "$flavor" ]; then
  echo "$pins pins nothing (no version, flavor or files): run docker/pin-libtorch-cuda.sh on a machine with internet," \
    "review and commit its output, then build again" >&2
  exit 1
fi
echo "$files" | grep -qx libtorch.so || { echo "$pins does not pin libtorch.so" >&2; exit 1; }
mkdir -p "$out"
for f in $files; do
  case "$f" in */*|.*) echo "$pins: bad file name $f" >&2; exit 1 ;; esac
  curl -fsSL --retry 3 "$base/$version/$flavor/linux-x86_64/native/lib/$f.gz" | gunzip > "$out/$f"
done
(cd "$out" && grep -v '^#' "$pins" | sha256sum -c --strict -)
echo "libtorch $version $flavor: $(echo "$files" | wc -l) files verified" >&2
