#!/usr/bin/python3
"""Generates the demo's sample images into scripts/samples/ (deterministic; CC0, made by this script).

They are procedural drawings, not photos: the demo's models are random fixtures, so what matters is that
the images exercise every path — tiled and untiled, the 1536 resize, alpha, greyscale, palette, WebP —
plus two files that must fail (not an image, a truncated JPEG).

Run with Debian's python (python3-pil, python3-numpy): /usr/bin/python3 scripts/make_samples.py
"""
import os
import numpy as np
from PIL import Image, ImageDraw

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "samples")
rng = np.random.default_rng(96)


def scene(w, h, hue):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 127 + 120 * np.sin(x / (37 + hue) + y / 91)
    g = 127 + 120 * np.sin(y / (53 + hue) - x / 130)
    b = 127 + 120 * np.cos((x + y) / (71 + hue))
    img = Image.fromarray(np.stack([r, g, b], -1).clip(0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    for _ in range(25):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        s = int(rng.integers(20, max(21, min(w, h) // 4)))
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            d.ellipse([x0, y0, x0 + s, y0 + s], fill=color, outline=(0, 0, 0), width=3)
        else:
            d.rectangle([x0, y0, x0 + s, y0 + s // 2], fill=color, outline=(255, 255, 255), width=2)
    return img


def main():
    os.makedirs(OUT, exist_ok=True)
    # 1920x1080: tiled, and its long side > 1536, so first resized to a 1536 shorter side.
    scene(1920, 1080, 3).save(os.path.join(OUT, "harbour-1920x1080.jpg"), quality=88)
    # 800x1200 RGBA: tiled without the 1536 step; alpha is dropped, not composited.
    rgba = scene(800, 1200, 11).convert("RGBA")
    a = np.array(rgba)
    a[..., 3] = np.linspace(40, 255, 800, dtype=np.uint8)[None, :]
    Image.fromarray(a, "RGBA").save(os.path.join(OUT, "lantern-800x1200-rgba.png"))
    # 640x480: not tiled (shorter side <= 672), the whole image is one crop.
    scene(640, 480, 23).save(os.path.join(OUT, "garden-640x480.jpg"), quality=92)
    # Greyscale and palette modes.
    scene(500, 700, 31).convert("L").save(os.path.join(OUT, "sketch-500x700-grey.png"))
    scene(400, 400, 41).convert("P", palette=Image.ADAPTIVE, colors=64).save(os.path.join(OUT, "badge-400x400.gif"))
    scene(900, 760, 53).save(os.path.join(OUT, "street-900x760.webp"), quality=85)
    # Two that must end on images.failed.
    with open(os.path.join(OUT, "notes.txt"), "w") as f:
        f.write("This is not an image. The demo shows that it ends on images.failed with stage DECODE.\n")
    good = open(os.path.join(OUT, "garden-640x480.jpg"), "rb").read()
    with open(os.path.join(OUT, "broken-truncated.jpg"), "wb") as f:
        f.write(good[: len(good) // 3])


if __name__ == "__main__":
    main()
