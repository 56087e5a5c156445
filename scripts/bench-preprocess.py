#!/usr/bin/python3
"""Python reference side of `scripts/bench preprocess`: the same decode + tile + CLIP preprocessing as
dev.sieve.image.ImagePreparer.prepare(bytes, false), timed single-threaded on the same files.

Usage: bench-preprocess.py PASSES FILE...  (one warm-up pass first); prints one JSON object on stdout:
  {"images_per_s": .., "passes": .., "per_file_ms": {file: median ms},
   "cpu_images_per_s": .., "per_file_cpu_ms": {file: median ms of this thread's CPU time}}
"""
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
import torch  # noqa: E402

torch.set_num_threads(1)  # per core, like the Java side
from PIL import Image  # noqa: E402
import preprocess  # noqa: E402


def once(data):
    # Image.open is lazy: prepare() decodes inside, so decoding is timed, as on the Java side.
    preprocess.prepare(Image.open(io.BytesIO(data)), tiling=True, whole=False)


def main(argv):
    passes = int(argv[1])
    files = argv[2:]
    data = {f: open(f, "rb").read() for f in files}
    for f in files:
        once(data[f])
    times = {f: [] for f in files}
    cpu_times = {f: [] for f in files}
    start = time.perf_counter()
    cpu_start = time.thread_time()
    for _ in range(passes):
        for f in files:
            t = time.perf_counter()
            c = time.thread_time()
            once(data[f])
            cpu_times[f].append(time.thread_time() - c)
            times[f].append(time.perf_counter() - t)
    total = time.perf_counter() - start
    cpu_total = time.thread_time() - cpu_start
    per_file = {os.path.basename(f): sorted(v)[len(v) // 2] * 1000 for f, v in times.items()}
    per_file_cpu = {os.path.basename(f): sorted(v)[len(v) // 2] * 1000 for f, v in cpu_times.items()}
    print(json.dumps({"images_per_s": passes * len(files) / total, "passes": passes, "per_file_ms": per_file,
                      "cpu_images_per_s": passes * len(files) / cpu_total, "per_file_cpu_ms": per_file_cpu}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
