#!/usr/bin/python3
"""Reference for sieve's head maths: city96's PredictorModel in torch, run on the fixture heads.

    /usr/bin/python3 scripts/reference/heads.py     # writes worker/src/test/resources/model/heads-golden.json
                                                    # and the fp16/bf16 copies under .../model/heads-halfprecision/

The architecture is copied from city96/CityClassifiers model.py (ea4be0f), see shared/research/city96.md §1:
no activation between up.0 and the ResBlock, ResBlock LeakyReLU(0.1) with ReLU after the residual add,
`down` with a default LeakyReLU (0.01), Dropout (a no-op in eval), softmax for classifiers, (tanh(z)+1)/2 for
score models. The safetensors files are read and written by hand (the safetensors package is not installed).
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HEADS = os.path.join(REPO, "models", "fixtures", "heads")
GOLDEN = os.path.join(REPO, "worker", "src", "test", "resources", "model")


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.join = nn.ReLU()
        self.long = nn.Sequential(
            nn.Linear(ch, ch),
            nn.LeakyReLU(0.1),
            nn.Linear(ch, ch),
            nn.LeakyReLU(0.1),
            nn.Linear(ch, ch),
        )

    def forward(self, x):
        return self.join(self.long(x) + x)


class PredictorModel(nn.Module):
    def __init__(self, features=768, outputs=1, hidden=1024):
        super().__init__()
        self.outputs = outputs
        self.up = nn.Sequential(
            nn.Linear(features, hidden),
            ResBlock(ch=hidden),
        )
        self.down = nn.Sequential(
            nn.Linear(hidden, 128),
            nn.Linear(128, 64),
            nn.Dropout(0.1),
            nn.LeakyReLU(),
            nn.Linear(64, 32),
            nn.Linear(32, outputs),
        )
        self.out = nn.Softmax(dim=1) if outputs > 1 else nn.Tanh()

    def forward(self, x):
        y = self.up(x)
        z = self.down(y)
        if self.outputs > 1:
            return self.out(z)
        return (self.out(z) + 1.0) / 2.0


_DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2)}


def write_safetensors(path, tensors):
    """The safetensors layout: u64 LE header length, JSON header {name: {dtype, shape, data_offsets}}, raw LE data.
    The header is space-padded to a multiple of 8 as the safetensors library does."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        dtype = next(k for k, (d, _) in _DTYPES.items() if d == t.dtype)
        data = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().astype(
            t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, _ = _DTYPES[info["dtype"]]
        start, end = info["data_offsets"]
        raw = bytearray(data[start:end])
        if dtype == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.frombuffer(raw, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def load_head(safetensors_path):
    """city96 inference.py _load_model/_load_config: config optional, outputs from down.5.bias otherwise."""
    sd = {k: v.to(torch.float32) for k, v in read_safetensors(safetensors_path).items()}
    config_path = safetensors_path[: -len(".safetensors")] + ".config.json"
    params = {"features": int(sd["up.0.weight"].shape[1]), "hidden": int(sd["up.0.weight"].shape[0]),
              "outputs": int(sd["down.5.bias"].shape[0])}
    if os.path.isfile(config_path):
        with open(config_path) as f:
            params = json.load(f)["model_params"]
    model = PredictorModel(**params)
    model.load_state_dict(sd)
    return model.eval()


def embeddings(seed=7, n=7, features=768):
    """Random embeddings near the fixture CLIP's outputs (the mean of its two golden outputs, clip-golden.json):
    the fixture heads are calibrated on such embeddings (make_fixtures.py), and far from them their softmax and
    tanh saturate, where a wrong activation or a swapped tensor would not show."""
    with open(os.path.join(GOLDEN, "clip-golden.json")) as f:
        centre = torch.tensor(json.load(f)["models"]["clip-tiny-336"]["output"]).mean(dim=0, keepdim=True)
    g = torch.Generator().manual_seed(seed)
    return centre + torch.randn(n, features, generator=g) * 0.1


def half_precision_copies():
    """fp16 and bf16 copies of a fixture head: the loader widens them to float32; their golden outputs come from
    the widened weights."""
    folder = os.path.join(GOLDEN, "heads-halfprecision")
    os.makedirs(folder, exist_ok=True)
    sd = read_safetensors(os.path.join(HEADS, "TestAnime-Triple-v0.2.safetensors"))
    names = []
    for suffix, dtype in (("fp16", torch.float16), ("bf16", torch.bfloat16)):
        name = f"TestAnime-Triple-v0.2-{suffix}"
        write_safetensors(os.path.join(folder, f"{name}.safetensors"), {k: v.to(dtype) for k, v in sd.items()})
        names.append((name, os.path.join(folder, f"{name}.safetensors")))
    return names


def main():
    x = embeddings()
    heads = [(f[: -len(".safetensors")], os.path.join(HEADS, f))
             for f in sorted(os.listdir(HEADS)) if f.endswith(".safetensors")]
    heads += half_precision_copies()
    golden = {"embeddings": [[float(v) for v in row] for row in x.numpy()], "heads": {}}
    with torch.no_grad():
        for name, path in heads:
            y = load_head(path)(x)
            golden["heads"][name] = [[float(v) for v in row] for row in y.numpy()]
            print(f"{name}: min {float(y.min()):.4f} max {float(y.max()):.4f}")
    with open(os.path.join(GOLDEN, "heads-golden.json"), "w") as f:
        json.dump(golden, f)


if __name__ == "__main__":
    main()
