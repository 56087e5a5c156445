#!/usr/bin/python3
"""Makes the synthetic test images (PNG, plus two JPEGs) and golden outputs for dev.sieve.image (worker/src/test/resources/image/).

Each case is a lossless PNG whose Pillow mode and geometry exercise one rule of the reference (see
preprocess.py): non-tiled upscale, the 1536 step (up and down), tiling without it, the 672/673 boundary,
torchvision's round-half-even centre, RGBA/LA premultiplied resizing, L, P with and without transparency, "1",
16-bit samples, CMYK JPEG, GIF, progressive and other JPEG variants, 1536/1537 long sides, 1x1
and extreme aspect ratios. Goldens (cases.json) hold, per case, the sha256 of the decoded pixels in Pillow's mode, and per
crop the sha256 of the uint8 RGB crop and of the float32 CHW pixel_values (little endian); a few cases also keep
their crops as PNG so a failing test can say where and by how much it differs. normalise.json holds the float32
value of every (channel, byte) pair.

Run from the repository root: /usr/bin/python3 scripts/reference/make_image_goldens.py
"""
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import preprocess  # noqa: E402

OUT = "worker/src/test/resources/image"


def content(w, h, seed):
    """Smooth gradients (compress well) plus hard edges, thin stripes and one noise patch (catch resampling errors)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * x / max(w - 1, 1)
    g = 255 * y / max(h - 1, 1)
    b = np.floor(127.5 + 127.5 * np.sin((x + 2 * y) / 37.0))
    img = np.stack([r, g, b], axis=-1)
    # Hard-edged shapes at positions that depend on the size.
    img[h // 5:h // 5 + h // 4, w // 7:w // 7 + w // 5] = [250, 20, 30]
    cy, cx, rad = h * 0.6, w * 0.65, min(w, h) * 0.18
    img[(x - cx) ** 2 + (y - cy) ** 2 < rad ** 2] = [10, 200, 240]
    # One-pixel and three-pixel stripes: aliasing shows immediately.
    img[:, (w * 3) // 4:(w * 3) // 4 + 60][(np.arange(h) % 2 == 0)] = [0, 0, 0]
    band = (y >= h * 0.8) & (y < h * 0.8 + 48) & (x < w / 2)
    img[band] = [0, 0, 0]
    img[band & ((x + y) // 3 % 2 == 0)] = [255, 255, 255]
    # A noise patch near each corner and the centre so every crop sees some.
    for (py, px) in [(8, 8), (8, w - 40), (h - 40, 8), (h - 40, w - 40), (h // 2 - 16, w // 2 - 16)]:
        noise = rng.integers(0, 256, (32, 32, 3))   # drawn whatever the size: the same bytes for the old cases
        py, px = max(py, 0), max(px, 0)
        patch = img[py:py + 32, px:px + 32]
        patch[...] = noise[:patch.shape[0], :patch.shape[1]]
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def alpha(w, h):
    y, x = np.mgrid[0:h, 0:w]
    a = (255 * x / max(w - 1, 1)).astype(np.uint8)
    a[:, : w // 10] = 0          # fully transparent band (keeps stored colour)
    a[: h // 10, :] = 255        # fully opaque band
    a[(x // 16 + y // 16) % 5 == 0] = 1   # nearly transparent checks: the worst case for un-premultiplying
    return a


def make(name, w, h, mode):
    rgb = content(w, h, seed=w * 7919 + h)
    info = {}
    if mode == "RGB":
        im = Image.fromarray(rgb, "RGB")
    elif mode == "RGBA":
        im = Image.fromarray(np.dstack([rgb, alpha(w, h)]), "RGBA")
    elif mode == "L":
        im = Image.fromarray(rgb, "RGB").convert("L")
    elif mode == "LA":
        im = Image.fromarray(np.dstack([np.array(Image.fromarray(rgb).convert("L")), alpha(w, h)]), "LA")
    elif mode == "P":
        im = Image.fromarray(rgb, "RGB").quantize(colors=64, dither=Image.Dither.NONE)
    elif mode == "PT":
        im = Image.fromarray(rgb, "RGB").quantize(colors=32, dither=Image.Dither.NONE)
        info["transparency"] = 3
    elif mode == "1":
        im = Image.fromarray(rgb, "RGB").convert("L").convert("1")   # Floyd-Steinberg: many edges
    elif mode == "RGB16":
        # 16-bit RGB PNG: Pillow opens it as "RGB" keeping the high byte of each sample.
        arr16 = rgb.astype(np.uint16) * 257 + np.uint16(100)
        path = os.path.join(OUT, "cases", name + ".png")
        write_png16(path, arr16)
        return path
    elif mode in JPEG_OPTIONS:
        # Lossy, but decoded by the same libjpeg arithmetic (ISLOW IDCT, fancy upsampling) on both sides here.
        im = Image.fromarray(rgb, "RGB")
        path = os.path.join(OUT, "cases", name + ".jpg")
        im = im.convert("L") if mode == "JPEG_L" else im.convert("CMYK") if mode == "JPEG_CMYK" else im
        im.save(path, **JPEG_OPTIONS[mode])
        return path
    elif mode == "I16":
        # 16-bit grey PNG: Pillow 9.4 opens it as "I"; convert("RGB") clips each sample to 0..255.
        y, x = np.mgrid[0:h, 0:w]
        im = Image.fromarray(((x * 7 + y * 3) % 400).astype(np.uint16))
    elif mode == "GIF":
        im = Image.fromarray(rgb, "RGB").quantize(colors=48, dither=Image.Dither.NONE)
        path = os.path.join(OUT, "cases", name + ".gif")
        im.save(path)
        return path
    else:
        raise ValueError(mode)
    path = os.path.join(OUT, "cases", name + ".png")
    im.save(path, optimize=True, **info)
    return path


def write_png16(path, arr16):
    """A 16-bit RGB PNG by hand (Pillow cannot write one from RGB)."""
    import struct
    import zlib
    h, w, _ = arr16.shape
    raw = b"".join(b"\x00" + arr16[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


JPEG_OPTIONS = {
    "JPEG": {"quality": 85},
    "JPEG_L": {"quality": 85},
    "JPEG_PROGRESSIVE": {"quality": 90, "progressive": True},
    "JPEG_444_OPTIMIZED": {"quality": 95, "subsampling": 0, "optimize": True},
    "JPEG_422": {"quality": 75, "subsampling": 1},
    "JPEG_LARGE": {"quality": 60},
    "JPEG_CMYK": {"quality": 90},   # Adobe APP14, inverted samples: Pillow's own convention
}

# name, width, height, mode, expected Pillow mode on reading, tiling, keep crops as PNG
CASES = [
    ("rgb_300x200_upscaled", 300, 200, "RGB", "RGB", True, True),
    ("rgb_1700x900_tiled_resized_up", 1700, 900, "RGB", "RGB", True, True),
    ("rgb_1640x1560_tiled_resized_down", 1640, 1560, "RGB", "RGB", True, False),
    ("rgb_700x1000_tiled_no_resize", 700, 1000, "RGB", "RGB", True, False),
    ("rgb_672x900_boundary_not_tiled", 672, 900, "RGB", "RGB", True, False),
    ("rgb_673x800_boundary_tiled", 673, 800, "RGB", "RGB", True, False),
    ("rgb_677x675_odd_centre", 677, 675, "RGB", "RGB", True, False),
    ("rgb_700x1000_tiled_no_resize", 700, 1000, "RGB", "RGB", False, False),
    ("rgba_1600x1000_tiled_resized", 1600, 1000, "RGBA", "RGBA", True, False),
    ("rgba_400x300", 400, 300, "RGBA", "RGBA", True, False),
    ("la_1600x800_tiled_resized", 1600, 800, "LA", "LA", True, False),
    ("l_1800x1000_tiled_resized", 1800, 1000, "L", "L", True, False),
    ("l_500x350", 500, 350, "L", "L", True, False),
    ("p_1700x800_tiled_resized", 1700, 800, "P", "P", True, False),
    ("p_transparency_900x700_tiled", 900, 700, "PT", "P", True, False),
    ("p_transparency_1600x700_tiled_resized", 1600, 700, "PT", "P", True, False),
    ("bilevel_1600x900_tiled_resized", 1600, 900, "1", "1", True, False),
    ("rgb16_300x200", 300, 200, "RGB16", "RGB", True, False),
    ("jpeg_rgb_900x700_tiled", 900, 700, "JPEG", "RGB", True, False),
    ("jpeg_l_500x400", 500, 400, "JPEG_L", "L", True, False),
    ("rgb_1536x900_long_side_1536_not_resized", 1536, 900, "RGB", "RGB", True, False),
    ("rgb_1537x900_long_side_1537_resized", 1537, 900, "RGB", "RGB", True, False),
    ("rgb_900x1537_long_side_1537_resized", 900, 1537, "RGB", "RGB", True, False),
    ("rgb_1x1", 1, 1, "RGB", "RGB", True, False),
    ("rgb_3x500", 3, 500, "RGB", "RGB", True, False),
    ("rgb_2000x40_extreme_wide", 2000, 40, "RGB", "RGB", True, False),
    ("rgb_700x3000_extreme_tall_tiled", 700, 3000, "RGB", "RGB", True, False),
    ("i16_900x700_tiled", 900, 700, "I16", "I", True, False),
    ("i16_1540x680_tiled_resized_up", 1540, 680, "I16", "I", True, False),
    ("gif_500x400", 500, 400, "GIF", "P", True, False),
    ("jpeg_progressive_1300x900_tiled", 1300, 900, "JPEG_PROGRESSIVE", "RGB", True, False),
    ("jpeg_444_optimized_800x600", 800, 600, "JPEG_444_OPTIMIZED", "RGB", True, False),
    ("jpeg_422_700x500", 700, 500, "JPEG_422", "RGB", True, False),
    ("jpeg_large_4000x3000_tiled", 4000, 3000, "JPEG_LARGE", "RGB", True, False),
    ("jpeg_cmyk_1600x800_tiled_resized", 1600, 800, "JPEG_CMYK", "CMYK", True, False),
]


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def decoded_bytes(im):
    """What sieve's decoder must produce for the image: Pillow's pixels, "P" through its palette, "1" as 0/255."""
    if im.mode == "P":
        return np.array(im.convert("RGB"))
    if im.mode == "1":
        return np.array(im.convert("L"))
    if im.mode == "I":
        return np.array(im).astype("<i4")   # sieve holds "I" as little-endian 32-bit ints, as Pillow does
    return np.array(im)


def main():
    os.makedirs(os.path.join(OUT, "cases"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "crops"), exist_ok=True)
    cases = []
    for name, w, h, mode, pil_mode, tiling, keep_png in CASES:
        path = make(name, w, h, mode)
        im = Image.open(path)
        assert im.mode == pil_mode, (name, im.mode)
        if mode == "PT":
            assert "transparency" in im.info, name
        out = preprocess.prepare(im, tiling=tiling, whole=True)
        # tile: the crop in the image's own mode after the 1536 step and five_crop (or the image itself).
        tiles = preprocess.tiles(im, tiling)
        crops = [{"tile": sha(decoded_bytes(t)), "rgb": sha(c), "values": sha(v.astype("<f4"))}
                 for t, c, v in zip(tiles, out["rgb"], out["pixel_values"])]
        case = {"file": os.path.relpath(path, OUT), "mode": pil_mode, "width": w, "height": h, "tiling": tiling,
                "decoded": sha(decoded_bytes(im)), "crops": crops, "whole": None, "cropsPng": None}
        if "whole_rgb" in out:
            case["whole"] = {"rgb": sha(out["whole_rgb"][0]), "values": sha(out["whole_values"][0].astype("<f4"))}
        if keep_png:
            strip = np.concatenate(list(out["rgb"]), axis=0)   # crops stacked top to bottom
            Image.fromarray(strip, "RGB").save(os.path.join(OUT, "crops", name + ".png"), optimize=True)
            case["cropsPng"] = "crops/" + name + ".png"
        cases.append(case)
        print(f"{name}: {pil_mode} {w}x{h} -> {len(crops)} crop(s)")
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"generator": "scripts/reference/make_image_goldens.py", "cases": cases}, f, indent=1)
    table = [[float(v) for v in preprocess.normalise(np.full((1, 256, 3), 0, np.uint8)
                                                     + np.arange(256, dtype=np.uint8)[None, :, None])[ch, 0]]
             for ch in range(3)]
    with open(os.path.join(OUT, "normalise.json"), "w") as f:
        json.dump({"mean": preprocess.MEAN, "std": preprocess.STD, "values": table}, f)


if __name__ == "__main__":
    main()
