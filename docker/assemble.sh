#!/bin/sh
# Lays out everything an image adds to its base under <root>: the one list of what goes where, RUN by both
# Dockerfiles (then `COPY --from=build /image/ /`) and by scripts/image-smoke, so what the smoke test runs is what ships.
#
#   assemble.sh cpu  <worker/target> <root>
#   assemble.sh cuda <worker/target> <root> <verified libtorch dir> <flavor, e.g. cu128>
#
# <root>/opt/sieve: the jar, its lib/ and entrypoint.sh. <root>/opt/djl: libtorch in DJL's cache layout, plus DJL's JNI
# glue under the name DJL 0.36 looks for (LibUtils.findJniLibrary: <cache>/pytorch/<version>-<flavor>-<classifier>/
# <djl version>-libdjl_torch.so). With that file present DJL writes nothing at start; without it DJL copies the glue
# out of the pytorch-jni jar into that folder, which fails on a read-only root ("Cannot copy jni files").
# Everything is owned by root and read-only to the app user: a pod writes only to its /tmp volume.
set -eu
variant="$1"
target="$2"
root="$3"
here=$(cd "$(dirname "$0")" && pwd)
classifier=linux-x86_64

app="$root/opt/sieve"
mkdir -p "$app/lib" "$root/opt/djl/pytorch"
cp "$target/sieve.jar" "$app/sieve.jar"
cp "$here/entrypoint.sh" "$app/entrypoint.sh"
chmod 0755 "$app/entrypoint.sh"
# The CPU natives jar (107 MB) never enters a CUDA image, not even in a layer that a later one deletes.
for jar in "$target"/lib/*.jar; do
  case "$(basename "$jar")" in
    pytorch-native-cpu-*) ;;
    *) cp "$jar" "$app/lib/" ;;
  esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jni_jar=$(ls "$target"/lib/pytorch-jni-*.jar)
(cd "$work" && jar xf "$jni_jar" jnilib)
# jni_version=2.7.1-0.36.0: libtorch's version, then DJL's.
jni_version=$(sed -n 's/^jni_version=//p' "$work/jnilib/pytorch.properties")
djl=${jni_version#*-}

case "$variant" in
  cpu)
    # DJL reads the version and flavor from the natives jar's properties (its Platform), finds the unpacked folder
    # and never unpacks: the jar in the image keeps only those properties, so the 430 MB are in the image once.
    native=$(ls "$target"/lib/pytorch-native-cpu-*.jar)
    (cd "$work" && jar xf "$native" native/lib pytorch)
    version=$(sed -n 's/^version=//p' "$work/native/lib/pytorch.properties")
    flavor=$(sed -n 's/^flavor=//p' "$work/native/lib/pytorch.properties")
    dir="$root/opt/djl/pytorch/$version-$flavor-$classifier"
    mkdir -p "$dir"
    mv "$work/pytorch/$flavor/$classifier"/* "$dir"/
    (cd "$work" && jar cf "$app/lib/$(basename "$native")" native/lib/pytorch.properties)
    ;;
  cuda)
    natives="$4"
    flavor="$5"
    # No natives jar: Dockerfile.cuda points PYTORCH_LIBRARY_PATH at this folder and sets PYTORCH_VERSION and
    # PYTORCH_FLAVOR to the same version and flavor, so DJL takes it as is (LibUtils.findOverrideLibrary), a route
    # with no download branch.
    version=${jni_version%%-*}
    dir="$root/opt/djl/pytorch/$version-$flavor-$classifier"
    [ -f "$natives/libtorch.so" ] || { echo "assemble.sh: no libtorch.so in $natives" >&2; exit 1; }
    mkdir -p "$dir"
    cp -R "$natives"/. "$dir"/
    ;;
  *)
    echo "usage: assemble.sh cpu|cuda <worker/target> <root> [<libtorch dir> <flavor>]" >&2
    exit 2
    ;;
esac

jni="$work/jnilib/$classifier/$flavor/libdjl_torch.so"
[ -f "$jni" ] || { echo "assemble.sh: $jni_jar has no JNI glue for $classifier/$flavor" >&2; exit 1; }
cp "$jni" "$dir/$djl-libdjl_torch.so"
chmod -R a+rX,go-w "$root/opt"
echo "assembled the $variant image's /opt: libtorch $version ($flavor) in ${dir#"$root"}, JNI $djl-libdjl_torch.so" >&2
