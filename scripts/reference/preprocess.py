#!/usr/bin/python3
"""Reference for sieve's decode -> tile -> CLIP-preprocess stage (dev.sieve.image.ImagePreparer).

Reproduces city96's CityClassifierPipeline.get_clip_emb (inference.py) up to pixel_values:

    if tiling and min(raw.size) > self.size*2:
        if max(raw.size) > 1536:
            raw = TF.functional.resize(raw, 1536)
        raw = TF.functional.five_crop(raw, self.size*2)
    img = self.proc(images=raw, return_tensors="pt")["pixel_values"]

The tiling part uses torchvision itself. transformers is not installable on this machine, so the processor
(CLIPImageProcessor, slow path) is re-stated step by step with PIL and numpy, following transformers'
image_transforms.py: convert_to_rgb (PIL convert("RGB"), alpha dropped), resize so the shorter edge is `size`
(long edge int(size*long/short)) with PIL BICUBIC, centre crop with top=(h-crop)//2, left=(w-crop)//2,
rescale in float64 then cast to float32, normalise (x-mean)/std in float32, HWC -> CHW.

Usage: preprocess.py IMAGE OUT.npz [--no-tiling] [--whole]
  writes rgb (N,S,S,3) uint8 crops, pixel_values (N,3,S,S) float32 and, with --whole, whole_rgb/whole_values.
"""
import sys

import numpy as np
import torchvision.transforms as TF
from PIL import Image

# openai/clip-vit-large-patch14-336 preprocessor_config.json
SIZE = 336
CROP = 336
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
RESCALE = 1 / 255
MAX_TILING_SIDE = 1536


def tiles(raw, tiling=True, size=SIZE):
    """get_clip_emb's tiling: a list of PIL images in their own mode (five crops, or the image itself)."""
    if tiling and min(raw.size) > size * 2:
        if max(raw.size) > MAX_TILING_SIDE:
            raw = TF.functional.resize(raw, MAX_TILING_SIDE)
        return list(TF.functional.five_crop(raw, size * 2))
    return [raw]


def resize_output_size(height, width, size):
    """transformers get_resize_output_image_size(default_to_square=False) for an int size."""
    short, long = (width, height) if width <= height else (height, width)
    if short == size:
        return height, width
    new_short, new_long = size, int(size * long / short)
    return (new_long, new_short) if width <= height else (new_short, new_long)


def rgb_crop(image, size=SIZE, crop=CROP):
    """CLIPImageProcessor up to the uint8 centre crop (HWC)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    arr = np.array(image)
    h, w = resize_output_size(arr.shape[0], arr.shape[1], size)
    arr = np.array(Image.fromarray(arr).resize((w, h), resample=Image.BICUBIC))
    top = (arr.shape[0] - crop) // 2
    left = (arr.shape[1] - crop) // 2
    return arr[top:top + crop, left:left + crop]


def normalise(rgb):
    """rescale (float64 then float32) and normalise in float32; CHW."""
    x = (rgb.astype(np.float64) * RESCALE).astype(np.float32)
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return x.transpose(2, 0, 1).astype(np.float32)


def prepare(raw, tiling=True, whole=False):
    crops = [rgb_crop(t) for t in tiles(raw, tiling)]
    out = {"rgb": np.stack(crops), "pixel_values": np.stack([normalise(c) for c in crops])}
    if whole and len(crops) > 1:
        w = rgb_crop(raw)
        out["whole_rgb"] = w[None]
        out["whole_values"] = normalise(w)[None]
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    raw = Image.open(argv[1])
    out = prepare(raw, tiling="--no-tiling" not in argv, whole="--whole" in argv)
    np.savez(argv[2], **out)
    print(f"{argv[1]}: mode {raw.mode} {raw.size} -> {out['rgb'].shape[0]} crop(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
