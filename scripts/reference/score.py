#!/usr/bin/python3
"""Reference scorer: what `sieve score --json` must print, computed the way city96's inference.py computes it.

Reproduces, for each image file, city96/CityClassifiers inference.py (ea4be0f; see shared/research/city96.md):

  CityClassifierPipeline.__call__(raw, tiling=True, tile_strat="mean")    for every classifier head
      emb = get_clip_emb(raw)            # 1536 resize + five_crop in the image's own mode, then the processor
      pred = model(emb)                  # PredictorModel, softmax per crop
      format_pred: per label, mean (or median/max/min) over the crops
  CityAestheticsPipeline.__call__(raw)                                     for every score head
      emb = clip(proc(raw))              # the untiled image, one crop; (tanh(z)+1)/2

with one CLIP pass shared by every head (CityClassifierMultiModelPipeline), on the fixture models or real ones:
  CLIP   a TorchScript file with sieve's contract (float32 pixel_values [N,3,S,S] -> image_embeds [N,768]),
         made by scripts/models/make_fixtures.py (fixture) or scripts/export-clip (the real model);
  heads  city96's .safetensors (+ .config.json) files, loaded into PredictorModel by heads.py.

What is replaced, and why: city96's code uses transformers' CLIPImageProcessor (slow, PIL-based path) and
CLIPVisionModelWithProjection. transformers is not installable on this machine (no PyPI, not packaged by Debian),
so the processor's steps are re-stated with PIL and numpy in preprocess.py (convert("RGB"), shorter side to S with
PIL BICUBIC and int() long side, centre crop with floor offsets, rescale in float64 -> float32, normalise in
float32), following transformers' image_transforms.py line by line; and the vision model is the TorchScript file
that scripts/export-clip makes from CLIPVisionModelWithProjection (it checks there that the file reproduces
transformers' image_embeds). Pillow (9.4 here) and torchvision are the real ones, as in the reference. Not
checked here: the processor restatement against transformers itself (no transformers, and no GPU machine with
one was lent to this task); a machine with transformers can do it with scripts/export-clip --check-processor.

Output: one JSON object per line per file, the fields and order of `sieve score --json`:
  {"file", "width", "height", "tiled", "heads": {name: {label: p} | score}, "tags": ["head:label"],
   "crops": {name: {label: [per-crop values]}}}
A file Pillow cannot open prints {"file", "error"} (sieve prints its stage and code instead).

    /usr/bin/python3 scripts/reference/score.py [--clip FILE.pt] [--heads-dir DIR] [--head FILE ...]
                                                [--combine mean|median|max|min] [--no-tiling] FILE...
Defaults: the bundled fixtures (models/fixtures/clip-tiny-336, models/fixtures/heads).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heads as head_models  # noqa: E402
import preprocess  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_CLIP = os.path.join(REPO, "models", "fixtures", "clip-tiny-336", "clip-tiny-336.pt")
DEFAULT_HEADS = os.path.join(REPO, "models", "fixtures", "heads")


class Head:
    """One city96 head: name = file name without .safetensors, labels from its config (index strings without)."""

    def __init__(self, path):
        self.name = os.path.basename(path)[: -len(".safetensors")]
        self.model = head_models.load_head(path)
        outputs = self.model.outputs
        config_path = path[: -len(".safetensors")] + ".config.json"
        labels = {}
        if os.path.isfile(config_path):
            with open(config_path) as f:
                labels = json.load(f).get("labels") or {}
        # city96's format_pred: labels.get(str(k), str(k)); a one-output head is a score model.
        self.labels = ["score"] if outputs == 1 else [labels.get(str(k), str(k)) for k in range(outputs)]
        self.score = outputs == 1


class Clip:
    """The TorchScript CLIP and its processor settings (size, mean, std) from preprocessor_config.json."""

    def __init__(self, path):
        self.model = torch.jit.load(path, map_location="cpu").eval()
        with open(os.path.join(os.path.dirname(path), "preprocessor_config.json")) as f:
            conf = json.load(f)
        size = conf["size"]
        self.size = int(size.get("shortest_edge", size.get("height")) if isinstance(size, dict) else size)
        crop = conf.get("crop_size", size)
        self.crop = int(crop.get("height") if isinstance(crop, dict) else crop)
        self.mean = conf["image_mean"]
        self.std = conf["image_std"]

    def pixel_values(self, pil_images):
        rows = []
        for im in pil_images:
            rgb = preprocess.rgb_crop(im, self.size, self.crop)
            x = (rgb.astype(np.float64) * preprocess.RESCALE).astype(np.float32)
            x = (x - np.array(self.mean, dtype=np.float32)) / np.array(self.std, dtype=np.float32)
            rows.append(x.transpose(2, 0, 1).astype(np.float32))
        return np.stack(rows)

    def embed(self, pixel_values):
        with torch.no_grad():
            return self.model(torch.from_numpy(np.ascontiguousarray(pixel_values))).to(torch.float32)


def combine(rule, values):
    """format_pred's tile strategies on one label's per-crop values (float32 tensor)."""
    if len(values) == 1:
        return float(values[0])
    if rule == "mean":
        return float(np.mean(values.numpy().astype(np.float64)))
    if rule == "median":
        return float(torch.median(values))   # the lower middle value for an even count
    if rule == "max":
        return float(torch.max(values))
    if rule == "min":
        return float(torch.min(values))
    raise ValueError(f"Invalid option for combine: {rule}")


def score_image(path, clip, heads, rule="mean", tiling=True):
    raw = Image.open(path)
    raw.load()
    tiles = preprocess.tiles(raw, tiling, size=clip.size)
    tiled = len(tiles) > 1
    any_classifier = any(not h.score for h in heads)
    any_score = any(h.score for h in heads)
    inputs = tiles if (any_classifier or not tiled) else []
    whole_row = None
    if any_score:
        if tiled:
            whole_row = len(inputs)
            inputs = inputs + [raw]
        else:
            whole_row = 0
    emb = clip.embed(clip.pixel_values(inputs))
    out = {"file": path, "width": raw.size[0], "height": raw.size[1], "tiled": tiled}
    heads_out, tags, crops = {}, [], {}
    with torch.no_grad():
        for head in heads:
            if head.score:
                value = float(head.model(emb[whole_row:whole_row + 1])[0, 0])
                heads_out[head.name] = value
                crops[head.name] = {"score": [value]}
                continue
            pred = head.model(emb[: len(tiles)])
            labels = {}
            for k, label in enumerate(head.labels):
                labels[label] = combine(rule, pred[:, k])
            heads_out[head.name] = labels
            crops[head.name] = {label: [float(v) for v in pred[:, k]] for k, label in enumerate(head.labels)}
            best = max(range(len(head.labels)), key=lambda k: (labels[head.labels[k]], -k))
            tags.append(f"{head.name}:{head.labels[best]}")
    out["heads"] = heads_out
    out["tags"] = tags
    out["crops"] = crops
    return out


def load(clip_path=DEFAULT_CLIP, head_paths=None, heads_dir=DEFAULT_HEADS):
    if not head_paths:
        head_paths = [os.path.join(heads_dir, f) for f in sorted(os.listdir(heads_dir)) if f.endswith(".safetensors")]
    return Clip(clip_path), [Head(p) for p in head_paths]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clip", default=DEFAULT_CLIP)
    p.add_argument("--heads-dir", default=DEFAULT_HEADS)
    p.add_argument("--head", action="append", default=[])
    p.add_argument("--combine", default="mean", choices=["mean", "median", "max", "min"])
    p.add_argument("--no-tiling", action="store_true")
    p.add_argument("files", nargs="+")
    args = p.parse_args(argv)
    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
    clip, heads = load(args.clip, args.head, args.heads_dir)
    failures = 0
    for path in args.files:
        try:
            line = score_image(path, clip, heads, args.combine, not args.no_tiling)
        except (OSError, SyntaxError, ValueError) as e:  # what Image.open/load raise on a bad file
            failures += 1
            line = {"file": path, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), flush=True)
    return 0 if failures == 0 else 3


if __name__ == "__main__":
    sys.exit(main())
