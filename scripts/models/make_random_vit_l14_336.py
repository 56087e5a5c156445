#!/usr/bin/python3
"""A TorchScript CLIP image tower with the real ViT-L/14-336 architecture and RANDOM weights, for benchmarks only.

    /usr/bin/python3 scripts/models/make_random_vit_l14_336.py OUT_DIR

Needs only Debian's python3-torch (no transformers, no hub). Writes OUT_DIR/clip-vit-l14-336-random.pt (~1.2 GB in
float32: never commit it), its preprocessor_config.json (openai/clip-vit-large-patch14-336's) and flops.json.

The module restates transformers' CLIPVisionModelWithProjection (eager attention) layer for layer: patch
embedding (conv 14x14, stride 14, no bias), class token, position embedding, pre-LayerNorm, 24 pre-norm encoder
layers (16 heads, width 1024, MLP 4096, quick_gelu), post-LayerNorm on the class token, projection 1024 -> 768
without bias. Same shapes and the same arithmetic per crop as the real model, so its speed is the real model's;
its outputs mean nothing.

flops.json holds the forward cost of one 336x336 crop, counted from the architecture (a multiply-add = 2 FLOPs).

The module is scripted (torch.jit.script), not traced: Debian's torch 1.13 uses a generic BLAS, and a single
ViT-L/14-336 forward there takes minutes, so nothing here runs the full model. The script instead checks the same
code, scripted, against eager on a one-layer copy, and sieve's loader checks the output shape ([N, 768]).
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

SIZE, PATCH, WIDTH, HEADS, MLP, PROJ = 336, 14, 1024, 16, 4096, 768
LAYERS = 24
PREPROCESSOR = {"crop_size": 336, "do_center_crop": True, "do_normalize": True, "do_resize": True,
                "feature_extractor_type": "CLIPFeatureExtractor",
                "image_mean": [0.48145466, 0.4578275, 0.40821073],
                "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 336}
NAME = "clip-vit-l14-336-random"


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(WIDTH, eps=1e-5)
        self.q = nn.Linear(WIDTH, WIDTH)
        self.k = nn.Linear(WIDTH, WIDTH)
        self.v = nn.Linear(WIDTH, WIDTH)
        self.out = nn.Linear(WIDTH, WIDTH)
        self.ln2 = nn.LayerNorm(WIDTH, eps=1e-5)
        self.fc1 = nn.Linear(WIDTH, MLP)
        self.fc2 = nn.Linear(MLP, WIDTH)
        self.heads = HEADS  # attributes, not globals: TorchScript compiles forward
        self.head_width = WIDTH // HEADS
        self.scale = float(WIDTH // HEADS) ** -0.5

    def forward(self, x):
        n, t, width = x.shape
        h = self.ln1(x)
        q = (self.q(h) * self.scale).view(n, t, self.heads, self.head_width).transpose(1, 2)
        k = self.k(h).view(n, t, self.heads, self.head_width).transpose(1, 2)
        v = self.v(h).view(n, t, self.heads, self.head_width).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ v
        x = x + self.out(a.transpose(1, 2).reshape(n, t, width))
        h = self.fc1(self.ln2(x))
        h = h * torch.sigmoid(1.702 * h)  # quick_gelu
        return x + self.fc2(h)


class VitL14(nn.Module):
    def __init__(self, layers=LAYERS):
        super().__init__()
        tokens = (SIZE // PATCH) ** 2 + 1
        self.patch = nn.Conv2d(3, WIDTH, kernel_size=PATCH, stride=PATCH, bias=False)
        self.cls = nn.Parameter(torch.randn(WIDTH) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, tokens, WIDTH) * 0.02)
        self.pre = nn.LayerNorm(WIDTH, eps=1e-5)
        self.layers = nn.ModuleList([Layer() for _ in range(layers)])
        self.post = nn.LayerNorm(WIDTH, eps=1e-5)
        self.proj = nn.Linear(WIDTH, PROJ, bias=False)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], dim=1) + self.pos
        x = self.pre(x)
        for layer in self.layers:
            x = layer(x)
        return self.proj(self.post(x[:, 0]))


def architecture_flops():
    """Multiply-adds of one crop's forward, x2. Element-wise work (LayerNorm, softmax, GELU) is left out (<1%)."""
    t = (SIZE // PATCH) ** 2 + 1  # 577 tokens
    patch = (SIZE // PATCH) ** 2 * WIDTH * 3 * PATCH * PATCH
    per_layer = (4 * t * WIDTH * WIDTH      # q, k, v, out projections
                 + 2 * t * t * WIDTH        # q @ k^T and attention @ v
                 + 2 * t * WIDTH * MLP)     # fc1, fc2
    macs = patch + LAYERS * per_layer + WIDTH * PROJ
    return {"tokens": t, "macs": macs, "flops": 2 * macs, "patch_embedding_flops": 2 * patch,
            "per_layer_flops": 2 * per_layer}


def randomise(model):
    """Random, but with activations of a sane size through 24 layers."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=0.02)
    return model


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    out = os.path.abspath(argv[1])
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    small = randomise(VitL14(layers=1).eval())
    x = torch.randn(2, 3, SIZE, SIZE)
    with torch.no_grad():
        eager, scripted = small(x), torch.jit.script(small)(x)
        one = torch.jit.script(small)(x[:1])  # the batch size is not baked in
    assert scripted.shape == (2, PROJ) and one.shape == (1, PROJ), (scripted.shape, one.shape)
    assert torch.allclose(eager, scripted, atol=1e-4) and torch.allclose(eager[:1], one, atol=1e-4)
    started = time.time()
    model = randomise(VitL14().eval())
    traced = torch.jit.script(model)
    traced.save(os.path.join(out, NAME + ".pt"))
    with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
        json.dump(PREPROCESSOR, f, indent=2)
    params = sum(p.numel() for p in model.parameters())
    info = {"model": NAME, "parameters": params, "architecture": architecture_flops(),
            "note": "flops per 336x336 crop, from the architecture; a multiply-add counts 2"}
    with open(os.path.join(out, "flops.json"), "w") as f:
        json.dump(info, f, indent=2)
    print(json.dumps({**info, "seconds": round(time.time() - started, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
