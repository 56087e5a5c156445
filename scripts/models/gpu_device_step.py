#!/usr/bin/env python3
"""Measures sieve's device preprocessing step (`--preprocess-on device`, issue 17) on a GPU, for real: the very
TorchScript module the worker loads (worker/src/main/resources/dev/sieve/model/pillow-preprocess.pt), fed the very
inputs the worker builds, written by the Java dump tool (worker/src/test/java/dev/sieve/bench/DevicePlanDump.java)
on a machine with a JDK, since the GPU machine has none.

    python3 scripts/models/gpu_device_step.py --images DIR [--module FILE] [--out DIR] [--rounds 20] [--warmup 3]
            [--clip-budget-s 120] [--no-clip] [--ceiling-dir scripts/models] [--only NAME,...] [--prewarm N]

For each `NAME.plan.json` in --images (with `NAME.plan.bin` or `NAME.plan.bin.gz`, and the image NAME itself):
1. decodes NAME with Pillow and checks the pixels' sha256 against sieve's decoder's (the dump's `pixels_sha256`;
   sieve's decoders are Pillow-exact). A mismatch is reported loudly and the image gets no exactness verdict (its
   timings are still taken: they depend on the shapes, not the values);
2. builds the module's 12 inputs exactly as DevicePreprocessor.inputs does (pixels uint8 [H, W, C], params int64
   [18], per resize rows [r] + tables [2, n, k], empty [0] / [2, 0, 1] for a missing resize, lut float32 [3, 256]),
   all on the device, and runs the module on CUDA (falls back to the CPU when there is none);
3. hashes the float32 output (little-endian) and compares it with the host path's crops' sha256 from the dump:
   `exact` (bench plan: five tiles) and `exact_with_whole` (the worker's plan with score heads: six crops);
4. times it (after --prewarm calls of every image first, if asked): warm-up, then --rounds rounds, each synchronised; per image median and min of
   - `step_ms`: the module's forward with every input already on the device (CUDA events around it);
   - `upload_pageable_ms` / `upload_pinned_ms`: the pixels' host-to-device copy alone (pageable / pinned memory);
   - `call_pageable_ms` / `call_pinned_ms`: what one DevicePreprocessor.prepare costs on the device side — all 12
     inputs created from host memory (the pixels pageable or pinned), the forward, and a synchronize (wall clock);
   - `peak_mb`: the device memory the call peaks at (torch.cuda.max_memory_allocated);
   - `profile_*`: one call under torch.profiler: GPU kernels and copies launched, their summed time, their span;
   and, for contrast, one round of the same module on this machine's CPU (`cpu_ms`, all cores, torch's default).
5. optionally (CUDA only, not --no-clip) times the CLIP ceiling in the same process with scripts/models/gpu_ceiling.py's
   own model_ceiling (ViT-L/14-336, random weights, fp16, the TorchScript file `export-clip --fp16 --device cuda`
   makes, sdpa), so that "device step ms / CLIP ms per tiled image" is measured in one run.

Writes <out>/gpu-device-step.json and prints a table. No network, no model hub.
"""
import argparse
import gzip
import hashlib
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODULE = os.path.normpath(os.path.join(HERE, "..", "..", "worker", "src", "main", "resources", "dev", "sieve",
                                               "model", "pillow-preprocess.pt"))
RESIZES = ("step", "tile", "whole")


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def load_plan(images, name):
    with open(os.path.join(images, name + ".plan.json")) as f:
        header = json.load(f)
    path = os.path.join(images, name + ".plan.bin")
    if os.path.exists(path):
        with open(path, "rb") as f:
            blob = f.read()
    else:
        with gzip.open(path + ".gz", "rb") as f:
            blob = f.read()
    arrays = {}
    for key, a in header["arrays"].items():
        dtype = {"int64": "<i8", "float32": "<f4"}[a["dtype"]]
        count = a["nbytes"] // np.dtype(dtype).itemsize
        arrays[key] = np.frombuffer(blob, dtype=dtype, count=count, offset=a["offset"]).reshape(a["shape"]).copy()
    return header, arrays


def decode(path):
    """Pillow's pixels in the image's own mode, [H, W, C] uint8, as sieve's Pixels.data() lays them out."""
    with Image.open(path) as im:
        im.load()
        mode = im.mode
        a = np.array(im)
    if a.ndim == 2:
        a = a[:, :, None]
    return mode, np.ascontiguousarray(a)


def host_inputs(arrays, with_whole):
    """The 11 inputs after the pixels, as CPU tensors: DevicePreprocessor.inputs' order."""
    params = "params_with_whole" if with_whole else "params"
    out = [torch.from_numpy(arrays[params])]
    for r in RESIZES:
        key = "whole_with_whole" if (r == "whole" and with_whole) else r
        for part in ("rows", "x", "y"):
            out.append(torch.from_numpy(arrays[f"{key}_{part}"]))
    out.append(torch.from_numpy(arrays["lut"]))
    return out


def output_sha(t):
    a = t.detach().cpu().contiguous().numpy()
    assert a.dtype == np.float32
    return sha256(a.astype("<f4", copy=False).tobytes())


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def med_min(xs):
    return dict(median=round(statistics.median(xs), 3), min=round(min(xs), 3))


def profile_call(module, inputs):
    """One call under torch.profiler: how many kernels and copies it launches, and their summed device time (busy)
    against the call's span: busy much below the span means the call is bound by launches, not by memory."""
    try:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            o = module(*inputs)
            torch.cuda.synchronize()
        del o
        gpu = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
        busy = sum(e.time_range.elapsed_us() for e in gpu) / 1000
        span = (max(e.time_range.end for e in gpu) - min(e.time_range.start for e in gpu)) / 1000 if gpu else 0
        return dict(profile_gpu_ops=len(gpu), profile_gpu_busy_ms=round(busy, 3), profile_gpu_span_ms=round(span, 3))
    except Exception as e:  # the profiler is a diagnostic: never lose the figures for it
        return dict(profile_error=f"{type(e).__name__}: {e}")


def prewarm(module, dev, images, names, rounds, log):
    """Every image's shapes through the module before any timing: TorchScript's profiling executor specialises and
    optimises per input shape in its first calls, which otherwise lands in the first image's figures."""
    t = time.perf_counter()
    with torch.no_grad():
        for name in names:
            _, arrays = load_plan(images, name)
            _, pixels = decode(os.path.join(images, name))
            for whole in (False, True):
                ins = [torch.from_numpy(pixels).to(dev)] + [x.to(dev) for x in host_inputs(arrays, whole)]
                for _ in range(rounds):
                    module(*ins)
            sync(dev)
    log(f"pre-warm: {rounds} calls per image and plan, {len(names)} images, {time.perf_counter() - t:.1f} s")


def measure_image(module, cpu_module, dev, images, name, args, log):
    header, arrays = load_plan(images, name)
    row = dict(image=name, width=header["width"], height=header["height"], mode=header["mode"],
               megapixels=round(header["width"] * header["height"] / 1e6, 2), bytes=header["bytes"],
               crops=header["crops"])
    t = time.perf_counter()
    mode, pixels = decode(os.path.join(images, name))
    row["pillow_decode_ms"] = round((time.perf_counter() - t) * 1000, 1)
    row["pixels_match"] = (mode == header["mode"] and pixels.shape[0] == header["height"]
                           and pixels.shape[1] == header["width"]
                           and sha256(pixels.tobytes()) == header["pixels_sha256"])
    if not row["pixels_match"]:
        log(f"!!! {name}: Pillow's pixels ({mode} {pixels.shape}) are NOT sieve's decoder's (sha256 differs): "
            f"no exactness verdict for this image; timings only")
    host_px = torch.from_numpy(pixels)
    rest = host_inputs(arrays, False)
    rest_whole = host_inputs(arrays, True)

    def on_device(ts):
        return [x.to(dev) for x in ts]

    px = host_px.to(dev)
    inputs = [px] + on_device(rest)
    with torch.no_grad():
        out = module(*inputs)
        sync(dev)
        shape = list(out.shape)
        row["output_shape"] = shape
        expected_shape = [header["crops"], 3, header["crop_size"], header["crop_size"]]
        got = output_sha(out)
        row["exact"] = (got == header["host_crops_sha256"] and shape == expected_shape) if row["pixels_match"] else None
        out_whole = module(*([px] + on_device(rest_whole)))
        got_whole = output_sha(out_whole)
        row["exact_with_whole"] = (got_whole == header["host_crops_with_whole_sha256"]
                                   and list(out_whole.shape)[0] == header["crops_with_whole"]) \
            if row["pixels_match"] else None
        del out, out_whole
        if row["pixels_match"] and not row["exact"]:
            log(f"!!! {name}: the device output is NOT the host path's (sha256 {got[:16]}… vs "
                f"{header['host_crops_sha256'][:16]}…)")

        # Warm-up (also the allocator's cache), then the rounds.
        for _ in range(args.warmup):
            module(*inputs)
        sync(dev)
        step, step_wall = [], []
        if dev.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
        for _ in range(args.rounds):
            if dev.type == "cuda":
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                w = time.perf_counter()
                s.record()
                o = module(*inputs)
                e.record()
                torch.cuda.synchronize()
                step_wall.append((time.perf_counter() - w) * 1000)
                step.append(s.elapsed_time(e))
            else:
                w = time.perf_counter()
                o = module(*inputs)
                step_wall.append((time.perf_counter() - w) * 1000)
                step.append(step_wall[-1])
            if _ < args.rounds - 1:
                del o
        # The executor may have optimised the graph since the first call: the last timed output must be exact too.
        row["exact_after_timing"] = (output_sha(o) == header["host_crops_sha256"]) if row["pixels_match"] else None
        del o
        row["step_ms"] = med_min(step)
        row["step_wall_ms"] = med_min(step_wall)
        if dev.type == "cuda" and not args.no_profile:
            row.update(profile_call(module, inputs))
        if dev.type == "cuda":
            row["peak_mb"] = round((torch.cuda.max_memory_allocated() - base) / 1e6, 1)

        # Uploads and whole calls from host memory, pageable and pinned.
        pinned_px = host_px.pin_memory() if dev.type == "cuda" else None
        for kind, src in (("pageable", host_px), ("pinned", pinned_px)):
            if src is None:
                continue
            up, call = [], []
            for r in range(args.warmup + args.rounds):
                sync(dev)
                w = time.perf_counter()
                p = src.to(dev, non_blocking=kind == "pinned")
                sync(dev)
                u = (time.perf_counter() - w) * 1000
                del p
                w = time.perf_counter()
                ins = [src.to(dev, non_blocking=kind == "pinned")] + on_device(rest)
                o = module(*ins)
                sync(dev)
                c = (time.perf_counter() - w) * 1000
                del o, ins
                if r >= args.warmup:
                    up.append(u)
                    call.append(c)
            row[f"upload_{kind}_ms"] = med_min(up)
            row[f"call_{kind}_ms"] = med_min(call)
        del inputs, px

    if cpu_module is not None:
        with torch.no_grad():
            w = time.perf_counter()
            o = cpu_module(*([host_px] + rest))
            row["cpu_ms"] = round((time.perf_counter() - w) * 1000, 1)
            row["cpu_exact"] = (output_sha(o) == header["host_crops_sha256"]) if row["pixels_match"] else None
            del o
    return row


def clip_ceiling(args, results, log):
    """gpu_ceiling.model_ceiling, short: fp16, the TorchScript file the worker loads (sdpa), a few batch sizes."""
    sys.path.insert(0, os.path.abspath(args.ceiling_dir))
    import gpu_ceiling
    ns = argparse.Namespace(batches=args.clip_batches, batches_other=args.clip_batches, dtypes="fp16",
                            modes="torchscript-sdpa", iters=args.clip_iters, warmup=3, tmp=args.tmp)
    sub = {"ceiling": []}
    gpu_ceiling.model_ceiling(ns, gpu_ceiling.Budget(args.clip_budget_s), sub, log)
    results["clip"] = sub


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", required=True, help="images with their NAME.plan.json/.bin from DevicePlanDump")
    p.add_argument("--module", default=DEFAULT_MODULE)
    p.add_argument("--out", default=".")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--only", default="", help="comma-separated image names (default: every dumped image)")
    p.add_argument("--no-cpu", action="store_true", help="skip the one CPU round per image")
    p.add_argument("--no-clip", action="store_true")
    p.add_argument("--prewarm", type=int, default=0, help="calls per image (both plans) before any timing")
    p.add_argument("--no-profile", action="store_true", help="skip the one profiled call per image (CUDA)")
    p.add_argument("--clip-budget-s", type=float, default=120)
    p.add_argument("--clip-batches", default="60,120,240", help="crops per CLIP batch (12, 24, 48 tiled images)")
    p.add_argument("--clip-iters", type=int, default=10)
    p.add_argument("--ceiling-dir", default=HERE, help="where gpu_ceiling.py and export_clip.py are")
    p.add_argument("--tmp", default="/tmp")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    lines = []

    def log(s):
        print(s, flush=True)
        lines.append(s)

    cuda = torch.cuda.is_available()
    dev = torch.device("cuda" if cuda else "cpu")
    results = dict(torch=torch.__version__, cuda=torch.version.cuda, device=torch.cuda.get_device_name(0) if cuda
                   else "cpu", cpu_cores=os.cpu_count(), cpu_threads=torch.get_num_threads(),
                   module=os.path.basename(args.module), module_sha256=sha256(open(args.module, "rb").read()),
                   rounds=args.rounds, warmup=args.warmup, images=[], started=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                            time.gmtime()))
    log(f"{results['device']}, torch {torch.__version__}, CUDA {torch.version.cuda}, {os.cpu_count()} cores, "
        f"{torch.get_num_threads()} threads; module {args.module} ({results['module_sha256'][:12]})")
    t = time.perf_counter()
    module = torch.jit.load(args.module, map_location=dev).eval()
    results["module_load_ms"] = round((time.perf_counter() - t) * 1000, 1)
    cpu_module = None if args.no_cpu else (torch.jit.load(args.module, map_location="cpu").eval() if cuda else module)
    names = sorted(f[:-len(".plan.json")] for f in os.listdir(args.images) if f.endswith(".plan.json"))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]

    def pixels_of(n):
        with open(os.path.join(args.images, n + ".plan.json")) as f:
            h = json.load(f)
        return h["width"] * h["height"]

    names.sort(key=pixels_of)  # smallest first: a run cut short still has the small ones
    out_path = os.path.join(args.out, "gpu-device-step.json")

    def save():
        results["log"] = lines
        with open(out_path, "w") as f:
            json.dump(results, f, indent=2)

    try:
        if args.prewarm > 0:
            prewarm(module, dev, args.images, names, args.prewarm, log)
        for name in names:
            try:
                row = measure_image(module, cpu_module, dev, args.images, name, args, log)
            except Exception as e:  # one image failing must not lose the others' figures
                log(f"!!! {name}: {type(e).__name__}: {e}")
                results["images"].append(dict(image=name, error=f"{type(e).__name__}: {e}"))
                continue
            results["images"].append(row)
            log(f"{name:28} {row['megapixels']:5.1f} MP  exact {row['exact']} (6 crops: {row['exact_with_whole']})  "
                f"step {row['step_ms']['median']:8.3f} ms (min {row['step_ms']['min']:.3f}, wall "
                f"{row['step_wall_ms']['median']:.3f})"
                + (f"  upload pageable {row['upload_pageable_ms']['median']:.2f} / pinned "
                   f"{row['upload_pinned_ms']['median']:.2f} ms  call pageable {row['call_pageable_ms']['median']:.2f}"
                   f" / pinned {row['call_pinned_ms']['median']:.2f} ms  peak {row['peak_mb']} MB" if cuda else "")
                + (f"  cpu {row['cpu_ms']} ms" if "cpu_ms" in row else "")
                + (f"  profile: {row['profile_gpu_ops']} GPU ops, busy {row['profile_gpu_busy_ms']} of "
                   f"{row['profile_gpu_span_ms']} ms" if "profile_gpu_ops" in row else ""))
            save()
        if cuda and not args.no_clip:
            try:
                clip_ceiling(args, results, log)
            except Exception as e:
                log(f"!!! CLIP ceiling: {type(e).__name__}: {e}")
                results["clip_error"] = f"{type(e).__name__}: {e}"
        rows = [r for r in results["images"] if "step_ms" in r]
        ceil = [r for r in results.get("clip", {}).get("ceiling", [])]
        if ceil and rows:
            best = max(ceil, key=lambda r: r["crops_per_s"])
            clip_ms = 5 * 1000 / best["crops_per_s"]  # one tiled image = five crops (the bench's plan)
            results["clip_ms_per_tiled_image"] = round(clip_ms, 3)
            results["clip_best"] = best
            for r in rows:
                s = r["step_ms"]["median"]
                r["step_over_clip"] = round(s / clip_ms, 3)
                r["end_to_end_fraction_of_ceiling"] = round(clip_ms / (clip_ms + s), 3)
                r["images_per_s_step_plus_clip"] = round(1000 / (clip_ms + s), 1)
            log(f"CLIP: {best['crops_per_s']} crops/s at batch {best['batch']} = {clip_ms:.3f} ms per tiled image")
            for r in rows:
                log(f"  {r['image']:28} step/CLIP {r['step_over_clip']:.3f}  step+CLIP → "
                    f"{r['images_per_s_step_plus_clip']} images/s = {r['end_to_end_fraction_of_ceiling']:.3f} of the "
                    f"model-only ceiling")
        results["all_exact"] = all(r.get("exact") is True and r.get("exact_with_whole") is True
                                   and r.get("exact_after_timing") is True for r in results["images"])
        log(f"all exact (pixels Pillow's, 5 and 6 crops the host path's): {results['all_exact']}")
    finally:
        results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        save()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
