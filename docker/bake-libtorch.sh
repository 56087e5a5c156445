#!/bin/sh
# Unpacks libtorch's CPU natives from the pytorch-native-cpu jar (pytorch/<flavor>/<classifier>/) into DJL's cache layout, where DJL looks
# before unpacking them itself, then leaves only the jar's pytorch.properties (DJL still reads it to know the
# version): the image carries the 430 MB of natives once, unpacked, instead of twice.
# Usage: bake-libtorch.sh <lib dir with the jars> <DJL cache dir>
set -eu
lib="$1"
cache="$2"
native=$(ls "$lib"/pytorch-native-cpu-*.jar)
jni=$(ls "$lib"/pytorch-jni-*.jar)
work=$(mktemp -d)
cd "$work"
jar xf "$native" native/lib pytorch
version=$(sed -n 's/^version=//p' native/lib/pytorch.properties)
flavor=$(sed -n 's/^flavor=//p' native/lib/pytorch.properties)
classifier=$(sed -n 's/^classifier=//p' native/lib/pytorch.properties)
dir="$cache/pytorch/$version-$flavor-$classifier"
mkdir -p "$dir"
mv "pytorch/$flavor/$classifier"/* "$dir"/
# The JNI glue, named as DJL names it in the cache: <djl version>-libdjl_torch.so.
jar xf "$jni" jnilib
djl=$(sed -n 's/^jni_version=[^-]*-//p' jnilib/pytorch.properties)
cp "jnilib/$classifier/$flavor/libdjl_torch.so" "$dir/$djl-libdjl_torch.so"
# Rebuild the natives jar with its properties only.
rm "$native"
jar cf "$native" native/lib/pytorch.properties
echo "libtorch $version ($flavor) unpacked to $dir"
ls -la "$dir"
