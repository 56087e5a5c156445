#!/usr/bin/python3
"""Tests scripts/models/export_clip.py's logic on the fixture CLIP, without transformers (not installable here).

    /usr/bin/python3 scripts/models/test_export_clip.py

A stand-in for CLIPVisionModelWithProjection (the fixture's TinyClip behind forward(pixel_values=...) returning an
object with .image_embeds, as transformers does) goes through the same ImageEmbeds wrapper, trace, export and
check_embeds as the real model. Checks: the saved file loads back and reproduces the stand-in's image_embeds on
real images prepared by the Python reference, at batch sizes 1 and 6; float32 in and out; the sha256 written to
SHA256SUMS is the file's; a stand-in that answers differently from the export is caught by check_embeds.
Not covered here: fp16 (half-precision convolution has no CPU kernel in torch 1.13), CLIPImageProcessor itself.
"""
import os
import sys
import tempfile
from types import SimpleNamespace

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import export_clip  # noqa: E402
import make_fixtures  # noqa: E402
import score  # noqa: E402


class StandIn(nn.Module):
    """transformers' calling convention around the fixture's vision tower."""

    def __init__(self, tower):
        super().__init__()
        self.tower = tower

    def forward(self, pixel_values):
        return SimpleNamespace(image_embeds=self.tower(pixel_values))


def main():
    torch.manual_seed(1)
    model = StandIn(make_fixtures.TinyClip(336).eval()).eval()
    wrapper = export_clip.ImageEmbeds(model, torch.float32).eval()
    clip = score.Clip(score.DEFAULT_CLIP)  # only for its processor settings
    pixel_values = torch.from_numpy(clip.pixel_values(export_clip.sample_images()))
    assert pixel_values.shape[0] == 6, pixel_values.shape
    with tempfile.TemporaryDirectory() as out:
        example = torch.randn(2, 3, 336, 336, generator=torch.Generator().manual_seed(0))
        pt_path, sha, diff = export_clip.export(wrapper, example, out, "clip-standin")
        assert diff <= 1e-5, diff
        export_clip.write_sums(out, {"clip-standin.pt": sha})
        with open(os.path.join(out, "SHA256SUMS")) as f:
            assert f.read() == f"{export_clip.sha256_of(pt_path)}  clip-standin.pt\n"

        abs_diff, rel_diff = export_clip.check_embeds(pt_path, model, pixel_values, torch.float32)
        print(f"export vs stand-in image_embeds on {pixel_values.shape[0]} images: max abs {abs_diff:.3g}, "
              f"rel {rel_diff:.3g}")
        assert rel_diff <= 1e-5, rel_diff
        loaded = torch.jit.load(pt_path)
        with torch.no_grad():
            one = loaded(pixel_values[:1])
            assert one.dtype == torch.float32 and tuple(one.shape) == (1, 768)
            assert (one - model(pixel_values[:1]).image_embeds).abs().max().item() <= 1e-5

        torch.manual_seed(2)
        other = StandIn(make_fixtures.TinyClip(336).eval()).eval()
        abs_other, _ = export_clip.check_embeds(pt_path, other, pixel_values, torch.float32)
        assert abs_other > 1e-2, f"check_embeds did not notice a different model ({abs_other})"
    print("export_clip: ok")


if __name__ == "__main__":
    main()
