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
    p.add_argument("--attn", default="eager", choices=["eager", "sdpa"],
                   help="attention implementation to trace (default: %(default)s, the safest for TorchScript)")
    p.add_argument("--freeze", action="store_true", help="torch.jit.freeze the traced module (inlines weights)")
    p.add_argument("--random-weights", action="store_true",
                   help="do not download: ViT-L/14-336 architecture with random weights, for benchmarks only")
    p.add_argument("--batch", type=int, default=2, help="example batch size for the trace (default: %(default)s)")
    args = p.parse_args(argv)
    if args.fp16 and args.device == "cpu":
        print("warning: --fp16 on cpu: half-precision CPU kernels are slow or missing; use --device cuda",
              file=sys.stderr)
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


def main(argv=None):
    args = parse_args(argv)
    name = args.name or os.path.basename(os.path.normpath(args.model)) + ("-fp16" if args.fp16 else "")
    if args.random_weights and not args.name:
        name = "clip-vit-large-patch14-336-random" + ("-fp16" if args.fp16 else "")
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    out_dir = args.out or os.path.join(repo, "models", name)
    os.makedirs(out_dir, exist_ok=True)

    config_path = copy_preprocessor_config(args, out_dir)
    size = input_size(config_path)
    model, dtype = load_model(args)
    wrapper = ImageEmbeds(model, dtype).eval()

    generator = torch.Generator().manual_seed(0)
    example = torch.randn(args.batch, 3, size, size, generator=generator).to(args.device)
    started = time.time()
    with torch.no_grad():
        eager = wrapper(example)
        # check_trace re-runs the model and compares; fp16 noise makes it warn spuriously, so compare once below.
        traced = torch.jit.trace(wrapper, example, check_trace=False)
        if args.freeze:
            traced = torch.jit.freeze(traced)
        again = traced(example)
        one = traced(example[:1])  # the batch size must not be baked into the trace
    if tuple(eager.shape) != (args.batch, 768) or eager.dtype != torch.float32:
        sys.exit(f"unexpected output {tuple(eager.shape)} {eager.dtype}; expected ({args.batch}, 768) float32")
    diff = (eager - again).abs().max().item()
    diff_one = (eager[:1] - one).abs().max().item()
    tolerance = 1e-2 if args.fp16 else 1e-4
    if diff > tolerance or diff_one > tolerance:
        sys.exit(f"traced output differs from eager: {diff:.3g} (batch), {diff_one:.3g} (batch of 1)")

    pt_path = os.path.join(out_dir, f"{name}.pt")
    traced.save(pt_path)
    digest = hashlib.sha256()
    with open(pt_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    print(json.dumps({"file": pt_path, "preprocessor_config": config_path, "id": name, "input_size": size,
                      "dtype": str(dtype), "device": args.device, "sha256": digest.hexdigest(),
                      "max_abs_diff_trace_vs_eager": diff, "seconds": round(time.time() - started, 1)}, indent=2))


if __name__ == "__main__":
    main()
