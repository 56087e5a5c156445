#!/usr/bin/env python3
"""Near-duplicate corpus for the perceptual-hash threshold (issue 19; scripts/bench hashes runs it).

Writes N distinct pictures (a gradient, shapes, strokes and texture, different for every seed) as JPEG q95 to
OUT/orig/NNNN.jpg, and for each, copies a scraped feed is full of, to OUT/copy/NNNN-<kind>.<ext>:
  reencode  JPEG quality 70-95
  resize    0.5-0.9x (Pillow bicubic), JPEG q90
  crop      1-5 % cut off each edge at random, JPEG q90
  mixed     crop, resize and re-encode together
  png       the pixels saved losslessly as PNG
Deterministic for a given --seed. Needs Pillow (Debian python3-pil; use /usr/bin/python3).
"""
import argparse
import os
import random

from PIL import Image, ImageDraw, ImageFilter


def picture(rng, width, height):
    a = tuple(rng.randrange(256) for _ in range(3))
    b = tuple(rng.randrange(256) for _ in range(3))
    img = Image.new("RGB", (width, height))
    vertical = rng.random() < 0.5
    draw = ImageDraw.Draw(img)
    steps = height if vertical else width
    for i in range(steps):
        t = i / max(1, steps - 1)
        colour = tuple(int(a[k] * (1 - t) + b[k] * t) for k in range(3))
        if vertical:
            draw.line([(0, i), (width, i)], fill=colour)
        else:
            draw.line([(i, 0), (i, height)], fill=colour)
    for _ in range(rng.randrange(6, 30)):
        colour = tuple(rng.randrange(256) for _ in range(3))
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = min(width, x0 + rng.randrange(width // 20 + 1, width // 2 + 2))
        y1 = min(height, y0 + rng.randrange(height // 20 + 1, height // 2 + 2))
        kind = rng.randrange(4)
        if kind == 0:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        elif kind == 1:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        elif kind == 2:
            points = [(rng.randrange(width), rng.randrange(height)) for _ in range(rng.randrange(3, 7))]
            draw.polygon(points, fill=colour)
        else:
            draw.line([(x0, y0), (x1, y1)], fill=colour, width=rng.randrange(2, 12))
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
    noise = Image.effect_noise((width, height), rng.uniform(5, 30)).convert("RGB")
    return Image.blend(img, noise, rng.uniform(0.0, 0.15))


def crop(rng, img):
    w, h = img.size
    left, top = int(w * rng.uniform(0.01, 0.05)), int(h * rng.uniform(0.01, 0.05))
    right, bottom = w - int(w * rng.uniform(0.01, 0.05)), h - int(h * rng.uniform(0.01, 0.05))
    return img.crop((left, top, right, bottom))


def resize(rng, img):
    s = rng.uniform(0.5, 0.9)
    return img.resize((max(1, int(img.width * s)), max(1, int(img.height * s))), Image.BICUBIC)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=19)
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "orig"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "copy"), exist_ok=True)
    for n in range(args.count):
        rng = random.Random(args.seed * 100003 + n)
        img = picture(rng, rng.randrange(320, 1100), rng.randrange(320, 1100))
        name = "%04d" % n
        img.save(os.path.join(args.out, "orig", name + ".jpg"), quality=95)
        orig = Image.open(os.path.join(args.out, "orig", name + ".jpg")).convert("RGB")
        copies = {
            "reencode": (orig, "jpg", rng.randrange(70, 96)),
            "resize": (resize(rng, orig), "jpg", 90),
            "crop": (crop(rng, orig), "jpg", 90),
            "mixed": (resize(rng, crop(rng, orig)), "jpg", rng.randrange(70, 96)),
            "png": (orig, "png", None),
        }
        for kind, (copy, ext, quality) in copies.items():
            path = os.path.join(args.out, "copy", "%s-%s.%s" % (name, kind, ext))
            if quality is None:
                copy.save(path)
            else:
                copy.save(path, quality=quality)


if __name__ == "__main__":
    main()
