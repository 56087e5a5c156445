#!/bin/sh
# Runs the sieve jar with libtorch's thread counts set from the container's CPU limit (SIEVE_TORCH_THREADS=0:
# all but one of the CPUs the JVM sees, at least one). Arguments are sieve's: `work ...`, `sort ...`, `status`.
set -eu
threads="${SIEVE_TORCH_THREADS:-0}"
if [ "$threads" = "0" ]; then
  cpus=$(nproc)
  threads=$(( cpus > 2 ? cpus - 1 : 1 ))
fi
# shellcheck disable=SC2086
exec java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 ${SIEVE_JAVA_OPTS:-} \
  -jar /opt/sieve/sieve.jar "$@"
