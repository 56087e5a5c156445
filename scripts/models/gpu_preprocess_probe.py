#!/usr/bin/env python3
"""Probe for the next step of GPU workers (README, "On a GPU"): can the GPU decode and preprocess JPEGs itself, how
fast, and how far from the reference's pixels? Decodes `scripts/bench preprocess`'s JPEGs with nvJPEG
(torchvision.io.decode_jpeg on cuda), then does city96's tiling and CLIP's preprocessing with torch on the GPU —
resize to a 1536 short side (bilinear, antialiased), five 672 crops, each resized to 336 (bicubic, antialiased; torch's
antialiased kernels use Pillow's a = -0.5), centre crop, normalise — and compares the pixel_values with the Python
reference (scripts/reference/preprocess.py: Pillow + torchvision on the CPU, sieve's golden source).

    python3 scripts/models/gpu_preprocess_probe.py [--images target/bench/images] [--out target/bench] [--rounds 5]

Prints images/s (one image at a time, and batched decode) and the max/mean |difference| of pixel_values per image;
writes <out>/gpu-preprocess.json. A probe, not sieve's code path: sieve's worker decodes on the CPU.
"""
import argparse
import io
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
import torchvision
from PIL import Image

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts", "reference"))
import preprocess as ref  # noqa: E402

MEAN = torch.tensor(ref.MEAN).view(1, 3, 1, 1)
STD = torch.tensor(ref.STD).view(1, 3, 1, 1)


def resize_short(img, short, mode):
    """img: [3, H, W] uint8 -> float [3, h, w] with the shorter side `short`, as torchvision/transformers size it."""
    _, h, w = img.shape
    if w <= h:
        nw, nh = short, int(short * h / w)
    else:
        nh, nw = short, int(short * w / h)
    x = img.unsqueeze(0).float()
    y = F.interpolate(x, size=(nh, nw), mode=mode, antialias=True, align_corners=False)
    return y.round().clamp(0, 255)[0]


def five_crop(img, size):
    _, h, w = img.shape
    c_top, c_left = int(round((h - size) / 2.0)), int(round((w - size) / 2.0))
    return [img[:, :size, :size], img[:, :size, w - size:], img[:, h - size:, :size], img[:, h - size:, w - size:],
            img[:, c_top:c_top + size, c_left:c_left + size]]


def clip_crop(tile):
    t = resize_short(tile.to(torch.uint8), ref.SIZE, "bicubic")
    _, h, w = t.shape
    top, left = (h - ref.CROP) // 2, (w - ref.CROP) // 2
    return t[:, top:top + ref.CROP, left:left + ref.CROP]


def gpu_prepare(rgb):
    """rgb: [3, H, W] uint8 on cuda -> pixel_values [N, 3, 336, 336] float32 on cuda."""
    _, h, w = rgb.shape
    if min(h, w) > ref.SIZE * 2:
        img = rgb
        if max(h, w) > ref.MAX_TILING_SIDE:
            img = resize_short(rgb, ref.MAX_TILING_SIDE, "bilinear")
        tiles = five_crop(img, ref.SIZE * 2)
    else:
        tiles = [rgb]
    crops = torch.stack([clip_crop(t) for t in tiles])
    x = crops / 255.0
    return (x - MEAN.to(x.device)) / STD.to(x.device)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", default=os.path.join(REPO, "target", "bench", "images"))
    p.add_argument("--out", default=os.path.join(REPO, "target", "bench"))
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--device", default="cuda", help="cpu only to try the script without a GPU")
    args = p.parse_args(argv)
    files = sorted(os.path.join(args.images, f) for f in os.listdir(args.images)
                   if f.startswith("bench-") and f.endswith(".jpg"))
    data = {f: open(f, "rb").read() for f in files}
    dev = torch.device(args.device)
    results = {"device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu", "torch": torch.__version__,
               "torchvision": torchvision.__version__, "images": {}}
    for f in files:  # fidelity against the reference, one image at a time
        raw = torchvision.io.decode_jpeg(torch.frombuffer(data[f], dtype=torch.uint8), device=dev)
        ours = gpu_prepare(raw).cpu()
        theirs = torch.from_numpy(ref.prepare(Image.open(io.BytesIO(data[f])))["pixel_values"])
        diff = (ours - theirs).abs()
        results["images"][os.path.basename(f)] = {"crops": int(ours.shape[0]), "max_abs_diff": round(diff.max().item(), 4),
                                                  "mean_abs_diff": round(diff.mean().item(), 5)}
        print(f"{os.path.basename(f)}: {ours.shape[0]} crops, |pixel_values - reference| max "
              f"{diff.max().item():.4f}, mean {diff.mean().item():.5f}", flush=True)
    encoded = [torch.frombuffer(data[f], dtype=torch.uint8) for f in files]
    for label, batched in (("one at a time", False), ("batched decode", True)):
        sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
        sync()
        t = time.perf_counter()
        ok = True
        for _ in range(args.rounds):
            try:
                decoded = torchvision.io.decode_jpeg(encoded, device=dev) if batched else \
                    [torchvision.io.decode_jpeg(e, device=dev) for e in encoded]
            except (RuntimeError, TypeError) as e:  # older torchvision: no list API
                print(f"{label}: {e.__class__.__name__}: {str(e).splitlines()[0]}", flush=True)
                ok = False
                break
            for img in decoded:
                gpu_prepare(img)
        sync()
        if not ok:
            continue
        rate = args.rounds * len(files) / (time.perf_counter() - t)
        results["images_per_s_" + ("batched" if batched else "single")] = round(rate, 1)
        print(f"GPU decode + tile + CLIP preprocessing, {label}: {rate:.1f} images/s", flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "gpu-preprocess.json"), "w") as fh:
        json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
