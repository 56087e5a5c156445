#!/usr/bin/env python3
"""GPU model ceiling of `scripts/bench gpu`: CLIP ViT-L/14-336 (real architecture, RANDOM weights) + city96 heads on
one CUDA GPU, and the CPU side that has to feed it. Run it on a machine with a GPU, torch and transformers:

    python3 scripts/models/gpu_ceiling.py --out target/bench [--budget-s 420] [--images target/bench/images]

What it measures, each in one process, with a time budget so one run fits a short GPU lease:
1. The model ceiling: crops/s and TFLOP/s of CLIP (+ three city96 PredictorModel heads on its embeddings) at batch
   sizes 32..256, for
   - `torchscript`: the file sieve's worker loads through DJL, made exactly as `scripts/export-clip --fp16
     --device cuda` makes it (export_clip.ImageEmbeds: float32 in, cast to fp16 inside the graph, float32 out;
     eager attention, traced), saved and loaded back with torch.jit.load as libtorch loads it;
   - `torchscript-sdpa`: the same traced with `--attn sdpa` (PyTorch's fused scaled-dot-product attention);
   - `eager-sdpa`: transformers' module called directly (no TorchScript);
   - `compiled`: torch.compile of the sdpa module (the upper bound of what this PyTorch can do; fp16 only);
   in fp16, bf16 and fp32 (TF32 matmuls allowed, as libtorch's default on Hopper is not; marked).
   The fraction of the card's dense fp16/bf16 tensor peak uses 381.9 GFLOPs per 336-px crop (counted from the
   architecture: 577 tokens, 24 layers, a multiply-add = 2 FLOPs).
2. The host-to-device copy of one batch of float32 crops, pageable and pinned (the worker hands libtorch a
   float32 batch from the JVM heap).
3. The CPU that must feed it: the Python reference preprocessing (decode + five tiles + CLIP preprocessing,
   scripts/bench-preprocess.py) on `scripts/bench preprocess`'s image set, one process per core, 1 and all cores.

Writes <out>/gpu.json and prints a table. Only loopback/no network is used; no model hub: random weights.
"""
import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

GFLOPS_PER_CROP = (24 * (2 * 577 * 1024 * (4 * 1024 + 2 * 4096) + 4 * 577 * 577 * 1024) + 576 * 588 * 1024 * 2) / 1e9
# Dense (no sparsity) fp16/bf16 tensor-core peaks, TFLOP/s, from NVIDIA's data sheets.
PEAKS = {"H100 80GB HBM3": 989.4, "H100 SXM": 989.4, "H200": 989.4, "H100 PCIe": 756.5, "H100 NVL": 835.5,
         "A100": 312.0, "L40S": 362.0, "L4": 121.0}


def peak_for(name):
    for key, value in PEAKS.items():
        if key in name:
            return value
    return None


class Budget:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()


def heads(torch, device, dtype=None):
    sys.path.insert(0, os.path.join(REPO, "scripts", "reference"))
    import heads as city96  # PredictorModel, restated from city96's code
    torch.manual_seed(1)
    # Three heads, as the bundled fixture set: two classifiers and a score head; they run in float32 as in city96.
    return [city96.PredictorModel(768, outputs=n).to(device).eval() for n in (2, 4, 1)]


def time_it(torch, fn, x, iters, warmup):
    with torch.no_grad():
        for _ in range(warmup):
            fn(x)
        torch.cuda.synchronize()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(iters):
            fn(x)
        end.record()
        torch.cuda.synchronize()
    return start.elapsed_time(end) / iters  # ms per call


def model_ceiling(args, budget, results, log):
    import torch
    import export_clip
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    dev = torch.device("cuda")
    name = torch.cuda.get_device_name(0)
    peak = peak_for(name)
    hs = heads(torch, dev)
    dtypes = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32-tf32": torch.float32}
    batches = [int(b) for b in args.batches.split(",")]
    other_batches = [int(b) for b in args.batches_other.split(",")]
    plan = []
    for dname in args.dtypes.split(","):
        for mode in args.modes.split(","):
            if not mode.startswith("compiled"):
                plan.append((dname, mode))
    for mode in ("compiled", "compiled-max-autotune"):  # last: compiling takes a minute or more
        if mode in args.modes.split(",") and "fp16" in args.dtypes.split(","):
            plan.append(("fp16", mode))
    for dname, mode in plan:
        if budget.left() < 30:
            log(f"skip {dname} {mode}: time budget spent")
            continue
        dtype = dtypes[dname]
        t0 = time.monotonic()
        try:
            ns = argparse.Namespace(random_weights=True, attn="eager" if mode == "torchscript" else "sdpa",
                                    fp16=False, device="cuda", model=None)
            with torch.device("cuda"):  # random initialisation on the GPU: seconds instead of a minute on the CPU
                model, _ = export_clip.load_model(ns)
            model = model.to(dtype)
            wrapper = export_clip.ImageEmbeds(model, dtype).eval()
            if mode.startswith("torchscript"):
                example = torch.randn(2, 3, 336, 336, device=dev)
                traced, _ = export_clip.trace(wrapper, example, fp16=dtype != torch.float32,
                                              freeze=mode.endswith("frozen"))
                path = os.path.join(args.tmp, f"clip-{dname}-{mode}.pt")
                torch.jit.save(traced, path)
                del traced
                fn = torch.jit.load(path, map_location=dev).eval()
            elif mode == "compiled":
                fn = torch.compile(wrapper)
            elif mode == "compiled-max-autotune":  # Triton GEMM autotuning + CUDA graphs; compiles for minutes
                fn = torch.compile(wrapper, mode="max-autotune")
            else:
                fn = wrapper
        except (Exception, SystemExit) as e:  # export_clip exits when its own trace check fails
            log(f"{dname} {mode}: could not prepare the model: {type(e).__name__}: {e}")
            continue
        prep_s = time.monotonic() - t0

        def forward(x, fn=fn):
            e = fn(x)
            return [h(e) for h in hs]

        for b in (batches if dname == "fp16" else other_batches):
            if budget.left() < 20:
                log(f"skip {dname} {mode} batch {b}: time budget spent")
                break
            x = torch.randn(b, 3, 336, 336, device=dev)
            try:
                t1 = time.monotonic()
                warm = args.warmup + (3 if mode.startswith("compiled") else 0)
                ms = time_it(torch, forward, x, args.iters, warm)
                row = dict(dtype=dname, mode=mode, batch=b, ms_per_batch=round(ms, 3),
                           crops_per_s=round(b * 1000 / ms, 1),
                           tflops=round(b * GFLOPS_PER_CROP / ms, 1),  # GFLOPs per ms = TFLOP/s
                           prepare_s=round(prep_s, 1), measure_s=round(time.monotonic() - t1, 1))
                if peak:
                    row["fraction_of_dense_peak"] = round(row["tflops"] / peak, 3)
                results["ceiling"].append(row)
                log(f"{dname:9} {mode:16} batch {b:4}: {ms:8.2f} ms  {row['crops_per_s']:8.1f} crops/s  "
                    f"{row['tflops']:6.1f} TFLOP/s" + (f"  {row['fraction_of_dense_peak']:.2f} of peak" if peak else ""))
            except torch.cuda.OutOfMemoryError:
                log(f"{dname} {mode} batch {b}: out of GPU memory")
                break
            except Exception as e:  # one configuration failing must not lose the others' figures
                log(f"{dname} {mode} batch {b}: {type(e).__name__}: {e}")
                break
            finally:
                del x
        del fn, wrapper, model, forward
        torch.cuda.empty_cache()
    # Heads alone: their share of the forward pass.
    e = torch.randn(256, 768, device=dev)
    ms = time_it(torch, lambda v: [h(v) for h in hs], e, args.iters, args.warmup)
    results["heads_ms_per_256"] = round(ms, 3)
    log(f"three heads on 256 embeddings: {ms:.3f} ms")
    results.update(device=name, dense_peak_tflops=peak, gflops_per_crop=round(GFLOPS_PER_CROP, 1),
                   torch=torch.__version__, cuda=torch.version.cuda)


def copy_cost(args, results, log):
    import torch
    b = 128
    host = torch.randn(b, 3, 336, 336)
    pinned = host.pin_memory()
    for label, src in (("pageable", host), ("pinned", pinned)):
        for _ in range(3):
            src.to("cuda", non_blocking=False)
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(10):
            src.to("cuda", non_blocking=False)
        torch.cuda.synchronize()
        ms = (time.perf_counter() - t) * 100
        gbps = host.numel() * 4 / ms / 1e6
        results["h2d"].append(dict(kind=label, crops=b, ms=round(ms, 2), gb_per_s=round(gbps, 1)))
        log(f"host-to-device copy, {b} float32 crops ({host.numel() * 4 / 1e6:.0f} MB), {label}: {ms:.2f} ms, {gbps:.1f} GB/s")


def python_preprocess(args, budget, results, log):
    images = sorted(os.path.join(args.images, f) for f in os.listdir(args.images)
                    if f.startswith("bench-") and f.endswith((".jpg", ".png")))
    if not images:
        log(f"no bench images in {args.images}: skipping the CPU side")
        return
    script = os.path.join(REPO, "scripts", "bench-preprocess.py")
    cores = os.cpu_count()
    for procs in (1, cores):
        if budget.left() < 40:
            log(f"skip preprocessing with {procs} processes: time budget spent")
            continue
        env = dict(os.environ, OMP_NUM_THREADS="1")
        t = time.monotonic()
        children = [subprocess.Popen([sys.executable, script, str(args.passes)] + images, stdout=subprocess.PIPE,
                                     text=True, env=env) for _ in range(procs)]
        rates = []
        for c in children:
            out, _ = c.communicate(timeout=max(30, budget.left()))
            rates.append(json.loads(out.strip().splitlines()[-1])["images_per_s"])
        row = dict(processes=procs, images_per_s_total=round(sum(rates), 2),
                   images_per_s_per_process=round(sum(rates) / procs, 2), wall_s=round(time.monotonic() - t, 1))
        results["python_preprocess"].append(row)
        log(f"Python reference preprocessing, {procs} process(es) on {cores} cores: {row['images_per_s_total']} images/s "
            f"({row['images_per_s_per_process']} per process)")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(REPO, "target", "bench"))
    p.add_argument("--images", default=os.path.join(REPO, "target", "bench", "images"),
                   help="scripts/bench preprocess's image set (made by `scripts/bench preprocess`)")
    p.add_argument("--budget-s", type=float, default=420, help="stop starting new measurements after this long")
    p.add_argument("--batches", default="32,64,128,256", help="batch sizes (crops) for fp16")
    p.add_argument("--batches-other", default="32,128", help="batch sizes for bf16 and fp32")
    p.add_argument("--dtypes", default="fp16,bf16,fp32-tf32")
    p.add_argument("--modes", default="torchscript,torchscript-sdpa,eager-sdpa,compiled")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--passes", type=int, default=2, help="passes over the image set per preprocessing process")
    p.add_argument("--tmp", default="/tmp")
    p.add_argument("--skip-preprocess", action="store_true")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    budget = Budget(args.budget_s)
    lines = []

    def log(s):
        print(s, flush=True)
        lines.append(s)

    results = {"ceiling": [], "h2d": [], "python_preprocess": [], "cpu_cores": os.cpu_count()}
    import torch
    if not torch.cuda.is_available():
        sys.exit("no CUDA device: this benchmark needs a GPU")
    log(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}, "
        f"{os.cpu_count()} CPU cores; {GFLOPS_PER_CROP:.1f} GFLOPs per crop")
    try:
        if not args.skip_preprocess:
            python_preprocess(args, budget, results, log)  # first: CPU-only, and quick
        copy_cost(args, results, log)
        model_ceiling(args, budget, results, log)
    finally:
        with open(os.path.join(args.out, "gpu.json"), "w") as f:
            json.dump(results, f, indent=2)
    best = max((r for r in results["ceiling"] if r["dtype"] == "fp16"), key=lambda r: r["crops_per_s"], default=None)
    if best:
        log(f"best fp16: {best['mode']} batch {best['batch']}: {best['crops_per_s']} crops/s, {best['tflops']} TFLOP/s"
            + (f", {best['fraction_of_dense_peak']:.2f} of the dense peak" if "fraction_of_dense_peak" in best else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
