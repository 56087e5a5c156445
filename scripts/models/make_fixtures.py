#!/usr/bin/python3
"""Builds sieve's small, random-weight model fixtures (deterministic: same seeds, same bytes).

    /usr/bin/python3 scripts/models/make_fixtures.py            # writes models/fixtures/ and the CLIP golden file

Outputs (the scores they give mean nothing; they only honour the real models' contracts):
  models/fixtures/clip-tiny-336/clip-tiny-336.pt              TorchScript, float32 [N,3,336,336] -> [N,768]
  models/fixtures/clip-tiny-336/preprocessor_config.json      the HF processor config of openai/clip-vit-large-patch14-336
  models/fixtures/clip-tiny-224/...                           same contract at 224 (size read from the config)
  models/fixtures/heads/<name>.safetensors + .config.json     city96 PredictorModel heads (hidden 64 instead of 1024)
  worker/src/test/resources/model/clip-golden.json            torch's output of both CLIPs on a formula-defined input
  worker/src/test/resources/model/clip-wrong-width/           a TorchScript that breaks the contract ([N,512] out)

Needs only torch (Debian python3-torch 1.13); safetensors are written by hand (the package is not installed here).
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts", "reference"))  # heads.py, score.py
from heads import PredictorModel, write_safetensors  # noqa: E402  (one definition of the head, shared with the reference)

FIXTURES = os.path.join(REPO, "models", "fixtures")
GOLDEN = os.path.join(REPO, "worker", "src", "test", "resources", "model")

# openai/clip-vit-large-patch14-336's preprocessor_config.json (mirrored copies; see shared/research/city96.md §3).
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def preprocessor_config(size):
    return {
        "crop_size": size,
        "do_center_crop": True,
        "do_normalize": True,
        "do_resize": True,
        "feature_extractor_type": "CLIPFeatureExtractor",
        "image_mean": CLIP_MEAN,
        "image_std": CLIP_STD,
        "resample": 3,
        "size": size,
    }


class TinyClip(nn.Module):
    """A ViT-shaped stand-in for CLIP's vision tower + projection.

    Two non-overlapping strided convolutions cover every input pixel with a non-zero weight, and the position
    embedding makes every 7x7 region count differently, so a shifted, flipped or mis-normalised crop changes the
    output: the point of the fixture is to catch preprocessing bugs.
    """

    def __init__(self, size, dim=64, depth=2, heads=4, out_dim=768):
        super().__init__()
        k1 = 8
        k2 = size // k1 // 7  # 336 -> 42 -> 7, 224 -> 28 -> 7
        assert size == k1 * k2 * 7, size
        self.stem = nn.Conv2d(3, 32, kernel_size=k1, stride=k1)
        self.patch = nn.Conv2d(32, dim, kernel_size=k2, stride=k2)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, 50, dim) * 0.5)
        layer = nn.TransformerEncoderLayer(d_model=dim, nhead=heads, dim_feedforward=dim * 4, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, num_layers=depth)
        self.norm = nn.LayerNorm(dim)
        self.proj = nn.Linear(dim, out_dim, bias=False)  # CLIP's visual_projection has no bias either

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch(nn.functional.gelu(self.stem(x))).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.enc(x)
        # CLIP pools the class token; mixing in the mean keeps every patch's contribution direct.
        pooled = self.norm(x[:, 0] + x[:, 1:].mean(dim=1))
        return self.proj(pooled) * 2.0


def formula_pixels(n, size):
    """A deterministic input both Python and Java compute bit-identically (integer arithmetic, one float32 division,
    one float32 subtraction), so the golden file needs no 2.7 MB of pixels."""
    i = np.arange(n, dtype=np.int64).reshape(n, 1, 1, 1)
    c = np.arange(3, dtype=np.int64).reshape(1, 3, 1, 1)
    h = np.arange(size, dtype=np.int64).reshape(1, 1, size, 1)
    w = np.arange(size, dtype=np.int64).reshape(1, 1, 1, size)
    v = (h * h * 31 + w * w * 17 + h * w * 7 + c * 101 + i * 57) % 251
    return (v.astype(np.float32) / np.float32(125.0) - np.float32(1.0)).astype(np.float32)


def make_clip(size, seed):
    torch.manual_seed(seed)
    model = TinyClip(size).eval()
    folder = os.path.join(FIXTURES, f"clip-tiny-{size}")
    os.makedirs(folder, exist_ok=True)
    example = torch.from_numpy(formula_pixels(2, size))
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
        out = traced(example)
        ref = model(example)
        assert torch.allclose(out, ref, atol=1e-6)
        for batch in (1, 3):  # the batch size must not be baked into the trace
            x = torch.from_numpy(formula_pixels(batch, size))
            assert traced(x).shape == (batch, 768)
    path = os.path.join(folder, f"clip-tiny-{size}.pt")
    traced.save(path)
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(preprocessor_config(size), f, indent=2)
        f.write("\n")
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return out.numpy(), digest


class WrongWidth(nn.Module):
    """Pools each channel and projects to 512: a CLIP ViT-B-sized output the heads cannot take."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 512)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x.mean(dim=(2, 3)))


def make_wrong_width():
    torch.manual_seed(3)
    folder = os.path.join(GOLDEN, "clip-wrong-width")
    os.makedirs(folder, exist_ok=True)
    with torch.no_grad():
        torch.jit.trace(WrongWidth().eval(), torch.zeros(2, 3, 224, 224)).save(os.path.join(folder, "clip-wrong-width.pt"))
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(preprocessor_config(224), f, indent=2)
        f.write("\n")


class HalfPrecision(nn.Module):
    """What `export-clip --fp16` makes, on the tiny CLIP: fp16 weights, float32 in and out (casts inside the graph)."""

    def __init__(self, model):
        super().__init__()
        self.model = model.half()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x.half()).float()


def make_half():
    """A GPU export's shape for the loader's precision check; scripted, so no fp16 CPU kernel runs here."""
    torch.manual_seed(1)
    folder = os.path.join(GOLDEN, "clip-tiny-336-fp16")
    os.makedirs(folder, exist_ok=True)
    torch.jit.script(HalfPrecision(TinyClip(336).eval()).eval()).save(os.path.join(folder, "clip-tiny-336-fp16.pt"))
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(preprocessor_config(336), f, indent=2)
        f.write("\n")


HEADS = [
    # (file name, config or None, outputs, seed)
    ("TestAnime-Binary-v0.1", {"name": "TestAnime-Binary", "rev": "v0.1", "arch": "class",
                               "labels": {"0": "Pass", "1": "Chromatic Aberration"}}, 2, 11),
    ("TestAnime-Triple-v0.2", {"name": "TestAnime-Triple", "rev": "v0.2", "arch": "class",
                               "labels": {"0": "Pass", "1": "JPEG", "2": "WEBP"}}, 3, 12),
    ("TestAesthetic-v0.3", {"name": "TestAesthetic", "rev": "v0.3", "arch": "score", "labels": None}, 1, 13),
]
SAMPLES = os.path.join(REPO, "scripts", "samples")
HIDDEN = 64  # city96 uses 1024; the file format is identical and the loader reads the size from the tensors


def sample_embeddings():
    """The fixture CLIP's embeddings of scripts/samples/*, computed with the Python reference (score.py): the crops
    a classifier sees (five tiles or the whole image) and the untiled image a score head sees."""
    import score  # noqa: E402  (imported late: it loads the CLIP this script has just written)
    from PIL import Image
    clip = score.Clip(os.path.join(FIXTURES, "clip-tiny-336", "clip-tiny-336.pt"))
    crops, wholes = [], []
    for name in sorted(os.listdir(SAMPLES)):
        try:
            raw = Image.open(os.path.join(SAMPLES, name))
            raw.load()
        except OSError:
            continue  # the broken and non-image samples
        tiles = score.preprocess.tiles(raw, True, size=clip.size)
        crops.append(clip.embed(clip.pixel_values(tiles)))
        wholes.append(clip.embed(clip.pixel_values([raw])))
    return crops, torch.cat(wholes)


# Spread of the calibrated logits over the samples: a classifier's labels then win on different samples with
# clear but not saturated probabilities; a score head's (tanh(z)+1)/2 spans most of [0, 1].
CLASSIFIER_SPREAD = 2.0
SCORE_SPREAD = 1.0


def calibrate(model, crops, wholes):
    """Random heads give every sample the same top label (one logit dominates for any CLIP-like input), which makes
    the demo's buckets dull. Standardise each output's logit over the samples' embeddings by rewriting the last
    layer (down.5): z' = (z - mean) / std * spread. Only down.5 changes, so the file format and the maths stay
    city96's."""
    x = wholes if model.outputs == 1 else torch.cat(crops)
    spread = SCORE_SPREAD if model.outputs == 1 else CLASSIFIER_SPREAD
    with torch.no_grad():
        z = model.down(model.up(x))
        mean, std = z.mean(dim=0), z.std(dim=0)
        last = model.down[5]
        last.weight.mul_((spread / std)[:, None])
        last.bias.sub_(mean).mul_(spread / std)


def make_head(name, config, outputs, seed, crops, wholes):
    torch.manual_seed(seed)
    model = PredictorModel(features=768, outputs=outputs, hidden=HIDDEN).eval()
    with torch.no_grad():
        # Default init shrinks the signal through 8 Linear layers; widen the last ones so that softmax and tanh are
        # far from uniform / 0.5 and a wrong activation or a swapped tensor shows in the output.
        for key in ("down.0", "down.1", "down.4", "down.5"):
            layer = model.get_submodule(key)
            layer.weight.mul_(2.5)
        calibrate(model, crops, wholes)
    folder = os.path.join(FIXTURES, "heads")
    os.makedirs(folder, exist_ok=True)
    state = {k: v.detach().to(torch.float32).contiguous() for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(folder, f"{name}.safetensors"), state)
    conf = dict(config)
    conf["model_params"] = {"features": 768, "hidden": HIDDEN, "outputs": outputs}
    with open(os.path.join(folder, f"{name}.config.json"), "w") as f:
        f.write(json.dumps(conf, indent=2))  # city96's utils.write_config: json.dumps(conf, indent=2)
    return model


def main():
    if sys.argv[1:] == ["--half-only"]:  # added later: the other fixtures' bytes (and goldens) stay as they are
        make_half()
        return
    golden = {"input": "formula: v = (h*h*31 + w*w*17 + h*w*7 + c*101 + n*57) % 251 (int64); x = float32(v)/125 - 1",
              "models": {}}
    for size, seed in ((336, 1), (224, 2)):
        out, digest = make_clip(size, seed)
        golden["models"][f"clip-tiny-{size}"] = {"size": size, "count": 2, "sha256": digest,
                                                 "output": [[float(v) for v in row] for row in out]}
    os.makedirs(GOLDEN, exist_ok=True)
    with open(os.path.join(GOLDEN, "clip-golden.json"), "w") as f:
        json.dump(golden, f)
    make_wrong_width()
    make_half()
    crops, wholes = sample_embeddings()
    for name, config, outputs, seed in HEADS:
        model = make_head(name, config, outputs, seed, crops, wholes)
        with torch.no_grad():
            if outputs == 1:
                y = model(wholes)[:, 0]
                print(f"{name}: sample scores {sorted(round(float(v), 2) for v in y)}")
                bands = {int(min(float(v), 0.999) * 4) for v in y}
                assert len(bands) >= 3, f"{name}: the sample scores fall in only {len(bands)} of the 0.25 bands"
                continue
            # Each sample's top label after city96's mean over its crops.
            top = torch.stack([model(c).mean(dim=0).argmax() for c in crops])
        wins = torch.bincount(top, minlength=outputs).tolist()
        print(f"{name}: samples won per label {wins}")
        assert sum(1 for w in wins if w > 0) >= 2, f"{name}: one label wins every sample: {wins}"
    from export_clip import write_sums  # same folder; the sha256sum-format list scripts/models/verify checks
    sums = {}
    for folder, _, files in os.walk(FIXTURES):
        for f in files:
            path = os.path.join(folder, f)
            with open(path, "rb") as fh:
                sums[os.path.relpath(path, os.path.dirname(FIXTURES))] = hashlib.sha256(fh.read()).hexdigest()
    write_sums(os.path.dirname(FIXTURES), sums)
    print("fixtures written under", FIXTURES, "and their digests to models/SHA256SUMS")


if __name__ == "__main__":
    main()
