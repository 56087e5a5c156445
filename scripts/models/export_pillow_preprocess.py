#!/usr/bin/env python3
"""Writes the TorchScript module of sieve's device preprocessing (issue 17): Pillow 9.4's fixed-point resampling,
city96's tiling and CLIPImageProcessor's steps as integer tensor ops, so that they run where CLIP runs and give the
same bytes as the host path (image/resize/PillowResize, image/clip/ClipProcessor).

    /usr/bin/python3 scripts/models/export_pillow_preprocess.py [--out worker/src/main/resources/dev/sieve/model/pillow-preprocess.pt]

The module computes no geometry: every coefficient table, tile origin and normalisation value comes from the Java
code that the host path runs (image/device/DevicePlan), so there is one source of the coefficients. It only applies
them: gather (index_select), multiply, sum, arithmetic shift, clip — Pillow's own int arithmetic, in the same order
of terms, in int32 as Pillow's C `int` (PRECISION_BITS = 22 keeps every partial sum inside it). Between passes the
samples are bytes, as in Pillow's 8-bit intermediate image.

Inputs of forward (all tensors; DevicePlan documents them too):
  pixels      uint8 [H, W, C]      the decoded image in its own Pillow mode (C = 1, 2, 3 or 4)
  params      int64 [18]           premultiply, tiled, stepped, want_whole, tile size, rgb channel indices (3),
                                   five tile origins (left, top) in the step's output grid
  step_rows   int64 [r]            input rows the 1536 step reads (empty when not stepped)
  step_x      int64 [2, n, k]      1536 step, horizontal: input column per tap, fixed-point weight per tap
  step_y      int64 [2, m, k]      1536 step, vertical: position in step_rows per tap, weight per tap
  tile_*      as step_*            CLIP's resize and centre crop of one tile (the same for all five)
  whole_*     as step_*            CLIP's resize and centre crop of the whole image
  lut         float32 [3, 256]     CLIP's normalised value of each byte, per channel (ClipProcessor's table)
Output: float32 [N, 3, S, S], the CLIP input rows: the five tiles then the whole image when tiled (the whole only
when asked), or the one whole-image crop when not tiled.
"""
import argparse
import os
from typing import List

import torch

# Pillow's PRECISION_BITS (32 - 8 - 2) and its rounding half; TorchScript takes literals, not globals.


def resample_pass(x: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """One Pillow pass along the first dim of 8-bit samples [L, R]: for each output, half + the sum of sample * weight
    over its taps in int32, >> 22, clipped to 0..255 -> uint8 [n, R]. The first dim makes each tap's gather a copy of
    whole rows."""
    index = table[0]
    weights = table[1].to(torch.int32)
    samples = x.to(torch.int32)
    acc = samples.index_select(0, index[:, 0]).mul_(weights[:, 0].unsqueeze(1)).add_(2097152)
    tap = torch.empty_like(acc)
    # Tap by tap, in Pillow's order: the partial sums are Pillow's (and a tap past an output's count weighs 0).
    # In place, into one buffer: no allocation per tap.
    for k in range(1, index.shape[1]):
        torch.index_select(samples, 0, index[:, k], out=tap)
        acc.add_(tap.mul_(weights[:, k].unsqueeze(1)))
    return acc.bitwise_right_shift_(22).clamp_(0, 255).to(torch.uint8)


def resize(x: torch.Tensor, rows: torch.Tensor, xt: torch.Tensor, yt: torch.Tensor) -> torch.Tensor:
    """uint8 [B, H, W, C] -> the window the tables describe: the rows the vertical taps read, the horizontal pass,
    then the vertical pass (Pillow's order: the horizontal result is rounded to 8 bits before the vertical reads it).
    The transposes that bring each pass's dim first move bytes, not ints."""
    b = x.shape[0]
    c = x.shape[3]
    if rows.shape[0] != x.shape[1]:
        x = x.index_select(1, rows)
    h = x.shape[1]
    across = resample_pass(x.permute(2, 0, 1, 3).reshape(x.shape[2], -1), xt)
    n = across.shape[0]
    down = resample_pass(across.reshape(n, b, h, c).permute(2, 1, 0, 3).reshape(h, -1), yt)
    return down.reshape(down.shape[0], b, n, c).permute(1, 0, 2, 3)


def premultiply(x: torch.Tensor) -> torch.Tensor:
    """RGBA -> "RGBa" (LA -> "La"): colour * alpha with Pillow's MULDIV255 rounding."""
    c = x.shape[3]
    alpha = x[:, :, :, c - 1:c].to(torch.int32)
    tmp = x[:, :, :, 0:c - 1].to(torch.int32) * alpha + 128
    return torch.cat([((tmp >> 8) + tmp) >> 8, alpha], 3).to(torch.uint8)


def unpremultiply(x: torch.Tensor) -> torch.Tensor:
    """"RGBa" -> RGBA: 255 * v / alpha truncated, clipped; alpha 0 and 255 keep the stored colour."""
    c = x.shape[3]
    alpha = x[:, :, :, c - 1:c].to(torch.int32)
    colour = x[:, :, :, 0:c - 1].to(torch.int32)
    divided = torch.clamp(torch.div(colour * 255, torch.clamp(alpha, 1, 255), rounding_mode="floor"), 0, 255)
    keep = (alpha == 0) | (alpha == 255)
    return torch.cat([torch.where(keep, colour, divided), alpha], 3).to(torch.uint8)


class PillowPreprocess(torch.nn.Module):
    def forward(self, pixels: torch.Tensor, params: torch.Tensor, step_rows: torch.Tensor, step_x: torch.Tensor,
                step_y: torch.Tensor, tile_rows: torch.Tensor, tile_x: torch.Tensor, tile_y: torch.Tensor,
                whole_rows: torch.Tensor, whole_x: torch.Tensor, whole_y: torch.Tensor,
                lut: torch.Tensor) -> torch.Tensor:
        p: List[int] = params.cpu().tolist()
        premultiplied = p[0] == 1
        tiled = p[1] == 1
        stepped = p[2] == 1
        want_whole = p[3] == 1
        size = p[4]
        image = pixels.unsqueeze(0)
        # convert("RGB"): alpha dropped, grey repeated. Grey is resampled once and repeated at the end (resampling
        # each channel alone, repeating commutes with it); RGB needs no selection.
        grey = p[5] == 0 and p[6] == 0 and p[7] == 0
        keep = params[5:6] if grey else params[5:8]
        select = grey or pixels.shape[2] != 3
        crops: List[torch.Tensor] = []
        if tiled:
            grid = image
            if stepped:
                if premultiplied:
                    grid = premultiply(grid)
                grid = resize(grid, step_rows, step_x, step_y)
                if premultiplied:
                    grid = unpremultiply(grid)
            tiles: List[torch.Tensor] = []
            for t in range(5):
                left = p[8 + 2 * t]
                top = p[9 + 2 * t]
                tiles.append(grid[:, top:top + size, left:left + size, :])
            five = torch.cat(tiles, 0)
            if select:
                five = five.index_select(3, keep.to(pixels.device))
            crops.append(resize(five, tile_rows, tile_x, tile_y))
        if not tiled or want_whole:
            whole = image.index_select(3, keep.to(pixels.device)) if select else image
            crops.append(resize(whole, whole_rows, whole_x, whole_y))
        rgb8 = torch.cat(crops, 0).permute(0, 3, 1, 2).to(torch.int64)
        if grey:
            rgb8 = rgb8.expand(-1, 3, -1, -1)
        offsets = torch.arange(3, device=pixels.device, dtype=torch.int64).reshape(1, 3, 1, 1) * 256
        return lut.reshape(-1)[rgb8 + offsets].contiguous()


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "worker", "src", "main", "resources", "dev", "sieve", "model",
                           "pillow-preprocess.pt")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.normpath(default))
    args = parser.parse_args()
    module = torch.jit.script(PillowPreprocess())
    module.save(args.out)
    print(f"wrote {args.out} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
