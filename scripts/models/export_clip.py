#!/usr/bin/env python3
"""Exports CLIP's image tower to the TorchScript file sieve loads (dev.sieve.model.ClipEmbedder).

Contract of the exported file: float32 pixel_values [N, 3, S, S] (already normalised by the CLIP processor)
-> float32 image_embeds [N, 768] (CLIPVisionModelWithProjection's projected embedding, NOT L2-normalised),
exactly what city96's inference.py feeds its heads. The processor's preprocessor_config.json is copied next to
the .pt file; sieve reads the input size S and the mean/std from it.

Needs torch and transformers (>= 4.36, for attn_implementation), and the Hugging Face hub (or a local copy of the model folder):

    python3 scripts/models/export_clip.py                                # fp32, CPU trace (for CPU workers)
    python3 scripts/models/export_clip.py --fp16 --device cuda           # fp16 weights, traced on a GPU
    python3 scripts/models/export_clip.py --model /path/to/local/clip-vit-large-patch14-336
    python3 scripts/models/export_clip.py --random-weights --out /tmp/clip-random   # no hub: ViT-L/14-336 shape,
                                                                         # random weights (benchmarks only)

Writes <out>/<name>.pt and <out>/preprocessor_config.json; <name> is the model's last path part
(clip-vit-large-patch14-336), with "-fp16" appended for --fp16, and becomes the model id in sieve's records.
Then checks the saved file, loaded back, against transformers' own image_embeds on a few real images prepared
by CLIPImageProcessor, and CLIPImageProcessor against sieve's Python reference (scripts/reference/score.py);
the figures go to <out>/<name>.export.json and the file's sha256 to <out>/SHA256SUMS (sha256sum format).
scripts/models/test_export_clip.py tests this logic on the fixture CLIP without transformers.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import time

import torch
import torch.nn as nn

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_MODEL = "openai/clip-vit-large-patch14-336"  # city96's inference.py clip_ver

# openai/clip-vit-large-patch14-336's vision config, for --random-weights.
VIT_L14_336 = dict(hidden_size=1024, intermediate_size=4096, projection_dim=768, num_hidden_layers=24,
                   num_attention_heads=16, num_channels=3, image_size=336, patch_size=14, hidden_act="quick_gelu",
                   layer_norm_eps=1e-5)
PREPROCESSOR_336 = {"crop_size": 336, "do_center_crop": True, "do_normalize": True, "do_resize": True,
                    "feature_extractor_type": "CLIPFeatureExtractor",
                    "image_mean": [0.48145466, 0.4578275, 0.40821073],
                    "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 336}


class ImageEmbeds(nn.Module):
    """pixel_values -> image_embeds, with the casts inside the graph so the Java side always speaks float32."""

    def __init__(self, model, dtype):
        super().__init__()
        self.model = model
        self.dtype = dtype

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        out = self.model(pixel_values=pixel_values.to(self.dtype))
        embeds = out.image_embeds if hasattr(out, "image_embeds") else out[0]
        # city96: emb["image_embeds"].detach().to(torch.float32); the heads run in float32.
        return embeds.to(torch.float32)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help="hub id or local folder of a CLIP model (default: %(default)s)")
    p.add_argument("--out", default=None,
                   help="output folder (default: models/<name> in this repository)")
    p.add_argument("--name", default=None, help="model id / file name without .pt (default: from --model)")
    p.add_argument("--fp16", action="store_true",
                   help="half-precision weights (input cast to fp16 and output to fp32 inside the graph); "
                        "meant for GPUs, trace with --device cuda")
    p.add_argument("--device", default="cpu", help="device to trace on: cpu or cuda (default: %(default)s)")
    p.add_argument("--attn", default=None, choices=["eager", "sdpa"],
                   help="attention implementation to trace (default: sdpa with --device cuda, eager on cpu). "
                        "On an H200, fp16, the sdpa trace ran 1021 crops/s against 464 for eager "
                        "(scripts/bench gpu); eager is the long-tested choice on CPU")
    p.add_argument("--freeze", action="store_true", help="torch.jit.freeze the traced module (inlines weights)")
    p.add_argument("--random-weights", action="store_true",
                   help="do not download: ViT-L/14-336 architecture with random weights, for benchmarks only")
    p.add_argument("--batch", type=int, default=2, help="example batch size for the trace (default: %(default)s)")
    p.add_argument("--no-check", action="store_true",
                   help="skip the checks after the export: the saved file, loaded back, against transformers' "
                        "image_embeds on real images prepared by CLIPImageProcessor (relative difference <= 1e-4, "
                        "fp16 1e-2), and CLIPImageProcessor against sieve's Python reference (score.py)")
    args = p.parse_args(argv)
    if args.fp16 and args.device == "cpu":
        print("warning: --fp16 on cpu: half-precision CPU kernels are slow or missing; use --device cuda",
              file=sys.stderr)
    if args.attn is None:
        args.attn = "sdpa" if args.device.startswith("cuda") else "eager"
    if args.batch < 1:
        p.error(f"--batch must be >= 1, got {args.batch}")
    return args


def load_model(args):
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection
    if args.random_weights:
        config = CLIPVisionConfig(**VIT_L14_336)
        config._attn_implementation = args.attn
        torch.manual_seed(0)
        model = CLIPVisionModelWithProjection(config)
    else:
        model = CLIPVisionModelWithProjection.from_pretrained(args.model, attn_implementation=args.attn)
    # Load in float32, then cast: the dtype keyword of from_pretrained changed name across transformers versions.
    dtype = torch.float16 if args.fp16 else torch.float32
    return model.to(device=args.device, dtype=dtype).eval(), dtype


def copy_preprocessor_config(args, out_dir):
    target = os.path.join(out_dir, "preprocessor_config.json")
    if args.random_weights:
        with open(target, "w") as f:
            json.dump(PREPROCESSOR_336, f, indent=2)
        return target
    if os.path.isdir(args.model):
        source = os.path.join(args.model, "preprocessor_config.json")
    else:
        from huggingface_hub import hf_hub_download
        source = hf_hub_download(repo_id=args.model, filename="preprocessor_config.json")
    shutil.copyfile(source, target)
    return target


def input_size(preprocessor_config):
    with open(preprocessor_config) as f:
        conf = json.load(f)
    crop = conf.get("crop_size", conf.get("size"))
    if isinstance(crop, dict):
        crop = crop.get("height", crop.get("shortest_edge"))
    return int(crop)


def trace(wrapper, example, freeze=False, fp16=False):
    """Traces the wrapper and checks the trace against the eager module at two batch sizes.
    Returns the traced module and the largest difference seen."""
    with torch.no_grad():
        eager = wrapper(example)
        # check_trace re-runs the model and compares; fp16 noise makes it warn spuriously, so compare once below.
        traced = torch.jit.trace(wrapper, example, check_trace=False)
        if freeze:
            traced = torch.jit.freeze(traced)
        again = traced(example)
        one = traced(example[:1])  # the batch size must not be baked into the trace
    if tuple(eager.shape) != (example.shape[0], 768) or eager.dtype != torch.float32:
        sys.exit(f"unexpected output {tuple(eager.shape)} {eager.dtype}; expected ({example.shape[0]}, 768) float32")
    diff = max((eager - again).abs().max().item(), (eager[:1] - one).abs().max().item())
    if diff > (1e-2 if fp16 else 1e-4):
        sys.exit(f"traced output differs from eager: {diff:.3g}")
    return traced, diff


def check_embeds(pt_path, model, pixel_values, dtype):
    """The exported file, loaded back as sieve loads it, against transformers' own image_embeds (the model in its
    export dtype) on the same pixel_values. Returns the largest absolute and relative difference."""
    loaded = torch.jit.load(pt_path, map_location=pixel_values.device).eval()
    with torch.no_grad():
        ours = loaded(pixel_values.to(torch.float32))
        theirs = model(pixel_values=pixel_values.to(dtype)).image_embeds.to(torch.float32)
    diff = (ours - theirs).abs().max().item()
    return diff, diff / max(theirs.abs().max().item(), 1e-12)


def sample_images():
    """A few PIL images of different modes and shapes for the checks (the golden cases, when this is a checkout)."""
    from PIL import Image
    cases = os.path.join(REPO, "worker", "src", "test", "resources", "image", "cases")
    names = ["rgb_300x200_upscaled.png", "rgba_400x300.png", "l_500x350.png", "jpeg_rgb_900x700_tiled.jpg",
             "p_transparency_900x700_tiled.png", "rgb_3x500.png"]
    images = [Image.open(os.path.join(cases, n)) for n in names if os.path.isfile(os.path.join(cases, n))]
    if not images:  # outside a checkout: a gradient
        images = [Image.linear_gradient("L").convert("RGB").resize((400, 300))]
    return images


def check_processor(out_dir, images):
    """transformers' CLIPImageProcessor (the class city96 uses) built from the exported preprocessor_config.json,
    against the Python reference's restatement of it (scripts/reference/score.py) that sieve's goldens come from.
    Returns the largest absolute difference of pixel_values."""
    from transformers import CLIPImageProcessor
    sys.path.insert(0, os.path.join(REPO, "scripts", "reference"))
    import score
    proc = CLIPImageProcessor.from_pretrained(out_dir)
    clip = score.Clip.__new__(score.Clip)
    with open(os.path.join(out_dir, "preprocessor_config.json")) as f:
        conf = json.load(f)
    size, crop = conf["size"], conf.get("crop_size", conf["size"])
    clip.size = int(size.get("shortest_edge", size.get("height")) if isinstance(size, dict) else size)
    clip.crop = int(crop.get("height") if isinstance(crop, dict) else crop)
    clip.mean, clip.std = conf["image_mean"], conf["image_std"]
    worst = 0.0
    for im in images:
        theirs = proc(images=im, return_tensors="np")["pixel_values"]
        ours = clip.pixel_values([im])
        worst = max(worst, float(abs(theirs - ours).max()))
    return worst


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sums(folder, sums):
    """Adds or replaces lines of <folder>/SHA256SUMS (sha256sum's format: "<hex>  <file>")."""
    path = os.path.join(folder, "SHA256SUMS")
    lines = {}
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    digest, file = line.rstrip("\n").split("  ", 1)
                    lines[file] = digest
    lines.update(sums)
    with open(path, "w") as f:
        for file in sorted(lines):
            f.write(f"{lines[file]}  {file}\n")


def export(wrapper, example, out_dir, name, fp16=False, freeze=False):
    """Traces, saves <out_dir>/<name>.pt and returns (path, sha256, trace-vs-eager difference)."""
    traced, diff = trace(wrapper, example, freeze, fp16)
    pt_path = os.path.join(out_dir, f"{name}.pt")
    traced.save(pt_path)
    return pt_path, sha256_of(pt_path), diff


def main(argv=None):
    args = parse_args(argv)
    name = args.name or os.path.basename(os.path.normpath(args.model)) + ("-fp16" if args.fp16 else "")
    if args.random_weights and not args.name:
        name = "clip-vit-large-patch14-336-random" + ("-fp16" if args.fp16 else "")
    out_dir = args.out or os.path.join(REPO, "models", name)
    os.makedirs(out_dir, exist_ok=True)

    config_path = copy_preprocessor_config(args, out_dir)
    size = input_size(config_path)
    model, dtype = load_model(args)
    wrapper = ImageEmbeds(model, dtype).eval()

    generator = torch.Generator().manual_seed(0)
    example = torch.randn(args.batch, 3, size, size, generator=generator).to(args.device)
    started = time.time()
    pt_path, sha, diff = export(wrapper, example, out_dir, name, args.fp16, args.freeze)
    report = {"file": pt_path, "preprocessor_config": config_path, "id": name, "input_size": size,
              "dtype": str(dtype), "device": args.device, "sha256": sha, "max_abs_diff_trace_vs_eager": diff}
    if not args.no_check:
        from transformers import CLIPImageProcessor
        proc = CLIPImageProcessor.from_pretrained(out_dir)
        images = sample_images()
        pixel_values = torch.from_numpy(proc(images=images, return_tensors="np")["pixel_values"]).to(args.device)
        abs_diff, rel_diff = check_embeds(pt_path, model, pixel_values, dtype)
        report["check_image_embeds_vs_transformers"] = {"images": len(images), "max_abs_diff": abs_diff,
                                                        "max_rel_diff": rel_diff}
        tolerance = 1e-2 if args.fp16 else 1e-4
        if rel_diff > tolerance:
            sys.exit(f"the exported file does not reproduce transformers' image_embeds: relative difference "
                     f"{rel_diff:.3g} > {tolerance}")
        report["check_processor_vs_reference_max_abs_diff"] = check_processor(out_dir, images)
    report["seconds"] = round(time.time() - started, 1)
    with open(os.path.join(out_dir, f"{name}.export.json"), "w") as f:
        json.dump(report, f, indent=2)
    write_sums(out_dir, {f"{name}.pt": sha, "preprocessor_config.json": sha256_of(config_path)})
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
