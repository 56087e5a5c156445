#!/usr/bin/python3
"""Makes the TIFF corpus and its goldens for dev.sieve.image.decode.TiffFidelityTest
(worker/src/test/resources/formats/tiff/).

Each case is a small TIFF written with Pillow 9.4, libtiff's tiffcp or ImageMagick, covering a layout Pillow's
TiffImagePlugin opens (its OPEN_INFO table: mode and rawmode), a compression it decodes (none, LZW, Deflate,
PackBits, JPEG, CCITT G4), strips and tiles, planar and chunky, multi-page (first page), and Pillow's wide modes
I;16 / I;16B / I / F whose convert("RGB") clips and whose 1536 step resamples in 32 bits (I, F) or is refused
(I;16: Pillow 9.4 has no resampler for it, "image has wrong mode"). The judge is the reference itself
(preprocess.py with Debian's Pillow 9.4): a case either has goldens in the format of make_image_goldens.py
(decoded pixels in Pillow's mode, each tile, each uint8 RGB crop, each float32 CHW crop) or records the exception
the reference raised, which the test expects as a coded refusal.

Decoded pixels are hashed as sieve holds them: I;16 and I;16B as little-endian uint16, I as little-endian int32,
F as little-endian float32, P through its palette, "1" as 0/255, RGBX as RGB, PA as index and alpha (its palette
is not hashed: the crops show it).

Run from the repository root: /usr/bin/python3 scripts/reference/make_format_corpus_tiff.py
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import preprocess  # noqa: E402
from make_image_goldens import content  # noqa: E402

OUT = "worker/src/test/resources/formats/tiff"


def block(w):
    """Samples are repeated over squares this wide: hard edges for the resamplers, and files a few KB each."""
    return 16 if w >= 1500 else 8


def blocky(a, w, h):
    n = block(w)
    return np.repeat(np.repeat(a, n, axis=0), n, axis=1)[:h, :w]


def coarse(w, h):
    return -(-w // block(w)), -(-h // block(w))


def picture(w, h):
    return blocky(content(*coarse(w, h), seed=w * 7919 + h), w, h)


def ramp(w, h, axis):
    """0..255 across the image, in blocks (an alpha band)."""
    cw, ch = coarse(w, h)
    a = (np.mgrid[0:ch, 0:cw][axis] * 255 // max((cw, ch)[1 - axis] - 1, 1)).astype(np.uint8)
    return blocky(a, w, h)


def grey16(w, h, top):
    """Gradients over 0..top with hard edges: most samples above 255, so convert("RGB")'s clipping shows."""
    return blocky(grey16_fine(*coarse(w, h), top), w, h)


def grey16_fine(w, h, top):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    v = top * ((x / max(w - 1, 1) + y / max(h - 1, 1)) / 2)
    v[(x // 7 + y // 7) % 3 == 0] = 128 + (x[(x // 7 + y // 7) % 3 == 0] % 100)
    return v


def stripes_grey(w, h):
    return np.array(Image.fromarray(picture(w, h)).convert("L"))


def write_tiff(path, w, h, tags, data, big_endian=False, next_ifd=0, strip_count=None):
    """An uncompressed one-strip TIFF by hand, for layouts the tools do not write (min-is-white, 2- and 4-bit,
    signed 16-bit) and for the hostile cases (next_ifd: where the IFD chain points; strip_count: a lie)."""
    import struct
    e = ">" if big_endian else "<"
    entries = dict(tags)
    entries.update({256: (4, [w]), 257: (4, [h]), 273: (4, [0]), 278: (4, [h]),
                    279: (4, [len(data) if strip_count is None else strip_count])})
    ifd_at = 8
    n = len(entries)
    extra_at = ifd_at + 2 + 12 * n + 4
    extra = b""
    body = b""
    fmt = {3: "H", 4: "I"}
    for tag in sorted(entries):
        typ, values = entries[tag]
        raw = struct.pack(e + fmt[typ] * len(values), *values)
        if len(raw) <= 4:
            field = raw.ljust(4, b"\0")
        else:
            field = struct.pack(e + "I", extra_at + len(extra))
            extra += raw + (b"\0" if len(raw) % 2 else b"")
        body += struct.pack(e + "HHI", tag, typ, len(values)) + field
    data_at = extra_at + len(extra)
    body = body.replace(struct.pack(e + "HHI", 273, 4, 1) + struct.pack(e + "I", 0),
                        struct.pack(e + "HHI", 273, 4, 1) + struct.pack(e + "I", data_at))
    head = (b"MM\0*" if big_endian else b"II*\0") + struct.pack(e + "I", ifd_at)
    nxt = ifd_at if next_ifd == "self" else next_ifd
    with open(path, "wb") as f:
        f.write(head + struct.pack(e + "H", n) + body + struct.pack(e + "I", nxt) + extra + data)


def pack_bits(a, bits):
    """Rows of small samples packed MSB first, each row padded to a byte (FillOrder 1)."""
    per = 8 // bits
    h, w = a.shape
    padded = np.zeros((h, -(-w // per) * per), np.uint8)
    padded[:, :w] = a
    g = padded.reshape(h, -1, per).astype(np.uint16)
    out = np.zeros(g.shape[:2], np.uint16)
    for i in range(per):
        out |= g[:, :, i] << (8 - bits * (i + 1))
    return out.astype(np.uint8).tobytes()


def reverse_bits(data):
    """FillOrder 2's byte: bit 0 first."""
    table = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
    return data.translate(table)


def pack12(v):
    """12-bit samples packed MSB first, rows padded to a byte."""
    h, w = v.shape
    row = -(-w * 12 // 8)
    packed = np.zeros((h, row + 1), np.uint8)
    for x in range(w):
        bit = x * 12
        at = bit // 8
        if bit % 8 == 0:
            packed[:, at] = v[:, x] >> 4
            packed[:, at + 1] |= (v[:, x] & 0xF) << 4
        else:
            packed[:, at] |= v[:, x] >> 8
            packed[:, at + 1] = v[:, x] & 0xFF
    return packed[:, :row].tobytes()


def tiffcp(src, dst, *args):
    subprocess.run(["tiffcp", *args, src, dst], check=True)


def magick(dst, *args):
    subprocess.run(["convert", *args, dst], check=True)


def make(name, kind, w, h, tmp):
    path = os.path.join(OUT, "cases", name + ".tif")
    if kind.startswith("codec:"):
        write_codec(path, kind, w, h, tmp)
        return path
    if kind.startswith("ycbcr:"):
        write_ycbcr(path, kind, w, h, tmp)
        return path
    if kind.startswith("oriented:"):  # Pillow turns every TIFF by its Orientation tag when it loads it
        _, mode, compression, orientation = kind.split(":")
        im = Image.fromarray(picture(w, h))
        im = im.convert(mode) if mode != "RGBA" else Image.fromarray(np.dstack([picture(w, h), ramp(w, h, 1)]))
        im.save(path, compression=None if compression == "raw" else compression, tiffinfo={274: int(orientation)})
        return path
    rgb = picture(w, h)
    src = os.path.join(tmp, name + ".src.tif")
    if kind == "rgb_raw":
        Image.fromarray(rgb).save(path)
    elif kind in ("rgb_lzw", "rgb_deflate_predictor", "rgb_packbits", "rgb_tiled", "rgb_planar", "rgb_jpeg",
                  "rgb_bigendian"):
        Image.fromarray(rgb).save(src)
        args = {"rgb_lzw": ["-c", "lzw"], "rgb_deflate_predictor": ["-c", "zip:2"], "rgb_packbits": ["-c", "packbits"],
                "rgb_tiled": ["-t", "-w", "128", "-l", "64", "-c", "zip"],
                "rgb_planar": ["-p", "separate", "-c", "lzw"], "rgb_jpeg": ["-c", "jpeg:90", "-r", "16"],
                "rgb_bigendian": ["-B", "-c", "lzw"]}[kind]
        tiffcp(src, path, *args)
    elif kind == "rgba":
        Image.fromarray(np.dstack([rgb, ramp(w, h, 1)]), "RGBA").save(path, compression="tiff_adobe_deflate")
    elif kind == "l_deflate":
        Image.fromarray(stripes_grey(w, h)).save(path, compression="tiff_adobe_deflate")
    elif kind == "l_min_is_white":
        write_tiff(path, w, h, {258: (3, [8]), 259: (3, [1]), 262: (3, [0]), 277: (3, [1])},
                   (255 - stripes_grey(w, h)).tobytes())
    elif kind in ("l2", "l4_min_is_white"):
        bits = 2 if kind == "l2" else 4
        q = stripes_grey(w, h) >> (8 - bits)
        write_tiff(path, w, h, {258: (3, [bits]), 259: (3, [1]), 262: (3, [1 if kind == "l2" else 0]),
                                277: (3, [1])}, pack_bits(q, bits), big_endian=kind == "l2")
    elif kind == "bilevel_min_is_white":
        q = (stripes_grey(w, h) < 128).astype(np.uint8)   # 1 = black when min-is-white
        write_tiff(path, w, h, {258: (3, [1]), 259: (3, [1]), 262: (3, [0]), 277: (3, [1])}, pack_bits(q, 1))
    elif kind == "la":
        Image.fromarray(np.dstack([stripes_grey(w, h), ramp(w, h, 0)]), "LA").save(path, compression="tiff_lzw")
    elif kind == "p4_handmade":
        q = (stripes_grey(w, h) >> 4).astype(np.uint8)
        cmap = [(i * 4369 + 300 * c) % 65536 for c in range(3) for i in range(16)]
        write_tiff(path, w, h, {258: (3, [4]), 259: (3, [1]), 262: (3, [3]), 277: (3, [1]), 320: (3, cmap)},
                   pack_bits(q, 4))
    elif kind == "i16_signed":
        v = (grey16(w, h, 900) - 300).astype("<i2")
        write_tiff(path, w, h, {258: (3, [16]), 259: (3, [1]), 262: (3, [1]), 277: (3, [1]), 339: (3, [2])},
                   v.tobytes())
    elif kind == "bilevel_g4":
        Image.fromarray(stripes_grey(w, h)).convert("1", dither=Image.Dither.NONE).save(path, compression="group4")
    elif kind == "palette":
        Image.fromarray(rgb).quantize(colors=40, dither=Image.Dither.NONE).save(path, compression="tiff_lzw")
    elif kind in ("pa_deflate", "pa_lzw"):
        # "PA" (palette + unassociated alpha): Pillow's 1536 step resamples the index band as numbers and leaves
        # the result with the core's grey-ramp palette, so both the palette and the resampled indices show.
        p = Image.fromarray(rgb).quantize(colors=256, dither=Image.Dither.NONE)
        pa = Image.frombytes("PA", (w, h), np.dstack([np.array(p), ramp(w, h, 0)]).tobytes())
        pa.putpalette(p.getpalette())
        pa.save(path, compression="tiff_adobe_deflate" if kind == "pa_deflate" else "tiff_lzw")
    elif kind == "cmyk":
        Image.fromarray(rgb).convert("CMYK").save(path, compression="tiff_adobe_deflate")
    elif kind == "rgb16":
        # ImageMagick writes 16-bit RGB with Deflate and the horizontal predictor.
        Image.fromarray(rgb).save(src)
        magick(path, src, "-depth", "16", "-compress", "zip")
    elif kind in ("i16", "i16_tiled_refused", "i16_tiled_no_resize"):
        Image.fromarray(grey16(w, h, 1000).astype(np.uint16)).save(path, compression="tiff_adobe_deflate")
    elif kind in ("i16_predictor", "i32_predictor_tiles", "f32_predictor", "i16_signed_predictor"):
        if kind == "i16_predictor":
            Image.fromarray(grey16(w, h, 3000).astype(np.uint16)).save(src)
            tiffcp(src, path, "-c", "zip:2")
        elif kind == "i32_predictor_tiles":
            Image.fromarray((grey16(w, h, 90000) - 40000).astype(np.int32), "I").save(src)
            tiffcp(src, path, "-c", "zip:2", "-t", "-w", "64", "-l", "64")
        elif kind == "f32_predictor":
            Image.fromarray((grey16(w, h, 500) - 100.7).astype(np.float32), "F").save(src)
            tiffcp(src, path, "-c", "lzw:2")
        else:
            v = (grey16(w, h, 900) - 300).astype("<i2")
            write_tiff(src, w, h, {258: (3, [16]), 259: (3, [1]), 262: (3, [1]), 277: (3, [1]), 339: (3, [2])},
                       v.tobytes())
            tiffcp(src, path, "-c", "lzw:2")
    elif kind == "i16b":
        Image.fromarray(grey16(w, h, 700).astype(np.uint16)).save(src)
        tiffcp(src, path, "-B", "-c", "zip")
    elif kind == "i32":
        v = grey16(w, h, 700) - 200
        Image.fromarray(v.astype(np.int32), "I").save(path, compression="tiff_adobe_deflate")
    elif kind == "i32_large":
        # Samples past 2^24, where a float loses the low bits: the 1536 step must sum them in double.
        y, x = np.mgrid[0:h, 0:w]
        v = (x // 64 + y // 48) % 9 * 370_000_001 - 1_500_000_000 + (x // 16) % 5
        Image.fromarray(v.astype(np.int32), "I").save(path, compression="tiff_adobe_deflate")
    elif kind == "f32":
        v = grey16(w, h, 600) - 150.0 + 0.37
        v[::56, ::40] = 254.999
        v[8::72, ::24] = -0.4
        Image.fromarray(v.astype(np.float32), "F").save(path, compression="tiff_adobe_deflate")
    elif kind == "multipage":
        Image.fromarray(rgb).save(path, save_all=True, compression="tiff_lzw",
                                  append_images=[Image.fromarray(255 - rgb), Image.fromarray(rgb).convert("L")])
    elif kind == "float64_planar":
        Image.fromarray(rgb).save(src)
        magick(path, src, "-define", "quantum:format=floating-point", "-depth", "64", "-interlace", "plane",
               "-compress", "zip")
    elif kind.startswith("extra_"):
        # RGB or CMYK with extra samples beyond the first alpha (or none): OPEN_INFO's RGBXX, RGBaX, RGBAXX, CMYKX...
        # The extra bands hold noise, so a decoder that keeps the wrong band shows.
        photo, extras = {"extra_rgbxx": (2, [0, 0]), "extra_rgbxxx": (2, [0, 0, 0]), "extra_rgbax": (2, [1, 0]),
                         "extra_rgbaxx": (2, [1, 0, 0]), "extra_rgbAx": (2, [2, 0]), "extra_rgbAxx": (2, [2, 0, 0]),
                         "extra_cmykx": (5, [0]), "extra_cmykxx": (5, [0, 0])}[kind]
        colour = rgb if photo == 2 else np.array(Image.fromarray(rgb).convert("CMYK"))
        bands = [colour[:, :, i] for i in range(colour.shape[2])]
        noise = blocky(np.random.default_rng(w * 31 + h).integers(0, 256, coarse(w, h)[::-1], dtype=np.uint8), w, h)
        for i, e in enumerate(extras):
            if e == 0:
                bands.append(noise if i % 2 == 0 else 255 - noise)
            else:
                alpha = ramp(w, h, 1)
                if e == 1:   # associated: the colour premultiplied by alpha
                    bands = [(b.astype(np.uint16) * alpha // 255).astype(np.uint8) for b in bands]
                bands.append(alpha)
        data = np.dstack(bands).astype(np.uint8)
        big_file = w >= 1500   # compressed, to keep the corpus small
        write_tiff(src if big_file else path, w, h,
                   {258: (3, [8] * data.shape[2]), 259: (3, [1]), 262: (3, [photo]), 277: (3, [data.shape[2]]),
                    338: (3, extras)}, data.tobytes())
        if big_file:
            tiffcp(src, path, "-c", "zip:2:p9")
    elif kind in ("cmyk16", "rgba16_assoc", "rgba16_assoc_bigendian", "rgb16_extra_refused"):
        big = kind.endswith("bigendian")
        if kind == "cmyk16":
            photo, extras = 5, []
            v = np.array(Image.fromarray(rgb).convert("CMYK")).astype(np.uint16) * 257
        else:
            photo, extras = 2, ([1] if kind != "rgb16_extra_refused" else [0, 0])
            alpha = ramp(w, h, 0).astype(np.uint32) * 257
            colour = (rgb.astype(np.uint32) * 257 * alpha[:, :, None] // 65535)
            v = np.dstack([colour, alpha] + ([alpha] if kind == "rgb16_extra_refused" else [])).astype(np.uint16)
            if w < 1500:
                v[1::3, ::5] ^= 0x00FF    # low bytes Pillow drops, and a decoder keeping them would show
        data = v.astype(">u2" if big else "<u2")
        big_file = w >= 1500
        write_tiff(src if big_file else path, w, h, {258: (3, [16] * data.shape[2]), 259: (3, [1]), 262: (3, [photo]),
                                277: (3, [data.shape[2]]), **({338: (3, extras)} if extras else {})},
                   data.tobytes(), big_endian=big)
        if big_file:
            tiffcp(src, path, "-c", "zip:2:p9")
    elif kind.startswith("fill2_"):
        # FillOrder 2: the bits of every stored byte reversed. Only the layouts OPEN_INFO lists with fill order 2 open
        # (compressed or not); uncompressed, Pillow unpacks with its ";R" raw modes, compressed, libtiff reverses the
        # bytes itself before decoding.
        grey = stripes_grey(w, h)
        if kind in ("fill2_l_raw", "fill2_rgb_raw", "fill2_rgba_raw_refused"):
            data = {"fill2_l_raw": grey, "fill2_rgb_raw": rgb,
                    "fill2_rgba_raw_refused": np.dstack([rgb, ramp(w, h, 1)])}[kind]
            n = 1 if data.ndim == 2 else data.shape[2]
            write_tiff(path, w, h, {258: (3, [8] * n), 259: (3, [1]), 262: (3, [1 if n == 1 else 2]), 277: (3, [n]),
                                    266: (3, [2]), **({338: (3, [2])} if n == 4 else {})},
                       reverse_bits(data.tobytes()), big_endian=kind == "fill2_rgb_raw")
        elif kind in ("fill2_bilevel_raw", "fill2_p4_raw"):
            if kind == "fill2_bilevel_raw":
                tags, packed = {258: (3, [1]), 262: (3, [1])}, pack_bits((grey >= 128).astype(np.uint8), 1)
            else:
                cmap = [(i * 4369 + 700 * c) % 65536 for c in range(3) for i in range(16)]
                tags, packed = {258: (3, [4]), 262: (3, [3]), 320: (3, cmap)}, pack_bits(grey >> 4, 4)
            write_tiff(path, w, h, {**tags, 259: (3, [1]), 277: (3, [1]), 266: (3, [2])}, reverse_bits(packed))
        else:
            source = {"fill2_l_lzw": Image.fromarray(grey), "fill2_rgba_deflate":
                      Image.fromarray(np.dstack([rgb, ramp(w, h, 1)]), "RGBA"),
                      "fill2_bilevel_g4": Image.fromarray(grey).convert("1", dither=Image.Dither.NONE)}[kind]
            source.save(src)
            tiffcp(src, path, "-f", "lsb2msb", "-c", {"fill2_l_lzw": "lzw", "fill2_rgba_deflate": "zip",
                                                      "fill2_bilevel_g4": "g4"}[kind])
    elif kind in ("i12_raw", "i12_bigendian_refused", "i12_lzw"):
        write_tiff(src if kind == "i12_lzw" else path, w, h, {258: (3, [12]), 259: (3, [1]), 262: (3, [1]),
                   277: (3, [1])}, pack12(grey16(w, h, 4000).astype(np.uint16)),
                   big_endian=kind == "i12_bigendian_refused")
        if kind == "i12_lzw":
            tiffcp(src, path, "-c", "lzw")
    elif kind.startswith("bigtiff_"):
        # BigTIFF (8-byte offsets), as libtiff writes it: Pillow 9.4 opens it like a classic TIFF.
        # Pillow 9.4 cannot identify a big-endian one.
        if kind in ("bigtiff_rgb_lzw", "bigtiff_rgb_tiles", "bigtiff_rgb_bigendian", "bigtiff_ifd_outside"):
            Image.fromarray(rgb).save(src)
        elif kind == "bigtiff_i16_deflate":
            Image.fromarray(grey16(w, h, 1000).astype(np.uint16)).save(src)
        else:
            Image.fromarray(stripes_grey(w, h)).save(src)
        args = {"bigtiff_rgb_lzw": ["-c", "lzw"], "bigtiff_rgb_tiles": ["-t", "-w", "64", "-l", "64", "-c", "zip"],
                "bigtiff_rgb_bigendian": ["-B", "-c", "lzw"], "bigtiff_ifd_outside": [], "bigtiff_i16_deflate": ["-c", "zip"], "bigtiff_l_raw": [], "bigtiff_l_deflate": ["-c", "zip"]}[kind]
        tiffcp(src, path, "-8", *args)
        if kind == "bigtiff_ifd_outside":
            with open(path, "r+b") as f:
                f.seek(8)
                f.write((0x7FFFFFF0).to_bytes(8, "little"))
    elif kind.startswith("f32_fp_"):
        # libtiff's floating-point predictor (3): byte planes, differenced.
        v = grey16(w, h, 600) - 150.0 + 0.37
        v[::56, ::40] = 254.999
        v[8::72, ::24] = -0.4
        Image.fromarray(v.astype(np.float32), "F").save(src)
        args = {"f32_fp_lzw": ["-c", "lzw:3"], "f32_fp_deflate_bigendian": ["-B", "-c", "zip:3"],
                "f32_fp_tiles": ["-c", "zip:3", "-t", "-w", "64", "-l", "64"],
                "f32_fp_edge_tiles": ["-c", "lzw:3", "-t", "-w", "64", "-l", "48"]}[kind]
        tiffcp(src, path, *args)
    elif kind in ("i16_raw_predictor_tag", "i12_raw_predictor_tag", "l_raw_predictor_tag"):
        # A predictor tag on uncompressed data: Pillow's raw decoder ignores it (libtiff is not involved).
        if kind == "l_raw_predictor_tag":
            write_tiff(path, w, h, {258: (3, [8]), 259: (3, [1]), 262: (3, [1]), 277: (3, [1]), 317: (3, [2])},
                       stripes_grey(w, h).tobytes())
        elif kind == "i16_raw_predictor_tag":
            write_tiff(path, w, h, {258: (3, [16]), 259: (3, [1]), 262: (3, [1]), 277: (3, [1]), 317: (3, [2])},
                       grey16(w, h, 3000).astype("<u2").tobytes())
        else:
            write_tiff(path, w, h, {258: (3, [12]), 259: (3, [1]), 262: (3, [1]), 277: (3, [1]), 317: (3, [2])},
                       pack12(grey16(w, h, 4000).astype(np.uint16)))
    elif kind == "i12_deflate_predictor":
        # libtiff has no horizontal predictor for 12-bit samples ("not supported"): Pillow's load fails.
        import zlib
        write_tiff(path, w, h, {258: (3, [12]), 259: (3, [8]), 262: (3, [1]), 277: (3, [1]), 317: (3, [2])},
                   zlib.compress(pack12(grey16(w, h, 4000).astype(np.uint16))))
    elif kind in ("lab_raw", "lab_lzw", "lab_deflate"):
        # CIELab, written by Pillow (its RGB -> LAB is littleCMS too); Pillow converts it back to RGB through
        # littleCMS (ImageCms) at convert("RGB").
        # A rerun changes two bytes of these files (a time stamp Pillow's LAB writing carries), not their pixels:
        # the goldens stay the same; keep the committed files.
        lab = Image.fromarray(rgb).convert("LAB")
        lab.save(path, **({"lab_raw": {}, "lab_lzw": {"compression": "tiff_lzw"},
                          "lab_deflate": {"compression": "tiff_adobe_deflate"}}[kind]))
    elif kind == "i16_min_is_white_raw":
        # Photometric 0 on 16-bit grey: Pillow's OPEN_INFO gives plain "I;16" (nothing inverted).
        write_tiff(path, w, h, {258: (3, [16]), 259: (3, [1]), 262: (3, [0]), 277: (3, [1])},
                   grey16(w, h, 3000).astype("<u2").tobytes())
    elif kind in ("f32_min_is_white_raw", "f32_min_is_white_fp"):
        # Photometric 0 on floats: Pillow's OPEN_INFO gives plain "F" (nothing inverted).
        v = (grey16(w, h, 600) - 150.0 + 0.37).astype("<f4")
        write_tiff(src if kind.endswith("_fp") else path, w, h, {258: (3, [32]), 259: (3, [1]), 262: (3, [0]),
                   277: (3, [1]), 339: (3, [3])}, v.tobytes())
        if kind.endswith("_fp"):
            tiffcp(src, path, "-c", "lzw:3")
    elif kind.startswith("hostile_"):
        grey = stripes_grey(w, h).tobytes()
        tags = {258: (3, [8]), 259: (3, [1]), 262: (3, [1]), 277: (3, [1])}
        if kind == "hostile_ifd_cycle":
            write_tiff(path, w, h, tags, grey, next_ifd="self")
        elif kind == "hostile_truncated_strip":
            write_tiff(path, w, h, tags, grey[: len(grey) // 2], strip_count=len(grey))
        elif kind == "hostile_huge_size":
            write_tiff(path, w, h, tags, grey[:4096], strip_count=4096)
            with open(path, "r+b") as f:   # the size tags claim 100000 x 100000
                data = f.read()
                data = data.replace(struct_entry(256, w), struct_entry(256, 100000))
                data = data.replace(struct_entry(257, h), struct_entry(257, 100000))
                f.seek(0)
                f.write(data)
        elif kind == "hostile_strip_count_4gb":
            write_tiff(path, w, h, tags, grey, strip_count=0xFFFFFF00)
        elif kind == "hostile_ifd_outside":
            write_tiff(path, w, h, tags, grey)
            with open(path, "r+b") as f:
                f.seek(4)
                f.write((0x7FFFFFF0).to_bytes(4, "little"))
        elif kind.startswith("hostile_damaged_"):
            # The second half of every strip's compressed data zeroed: the streams end early or go wrong.
            compression = {"lzw": "tiff_lzw", "deflate": "tiff_adobe_deflate", "packbits": "packbits"}[kind[16:]]
            Image.fromarray(picture(w, h)).save(path, compression=compression)
            with open(path, "r+b") as f:
                data = bytearray(f.read())
                im = Image.open(path)
                for o, c in zip(im.tag_v2[273], im.tag_v2[279]):
                    data[o + c // 2:o + c] = bytes(c - c // 2)
                f.seek(0)
                f.write(data)
        else:
            raise ValueError(kind)
    else:
        raise ValueError(kind)
    return path


def ycbcr_blocks(ycc, hs, vs):
    """libtiff's chunky subsampled layout: for each block of hs x vs pixels, its lumas row by row, then Cb and Cr
    (here the block's first pixel's); blocks past the edges repeat the last row and column."""
    h, w, _ = ycc.shape
    out = bytearray()
    for r0 in range(0, h, vs):
        for b in range(0, w, hs):
            lumas = [ycc[min(r0 + j, h - 1), min(b + i, w - 1), 0] for j in range(vs) for i in range(hs)]
            out += bytes(int(v) for v in lumas) + bytes([int(ycc[r0, b, 1]), int(ycc[r0, b, 2])])
    return bytes(out)


def compress_strip(raw, compression, row_bytes, tmp):
    """Deflate through zlib; LZW and PackBits through libtiff, as the strip of a grey image of the same bytes."""
    import zlib
    if compression == "deflate":
        return zlib.compress(raw)
    path = os.path.join(tmp, "strip.tif")
    rows = len(raw) // row_bytes
    Image.frombytes("L", (row_bytes, rows), raw).save(
        path, compression={"lzw": "tiff_lzw", "packbits": "packbits"}[compression], tiffinfo={278: rows})
    im = Image.open(path)
    (offset,), (count,) = im.tag_v2[273], im.tag_v2[279]
    with open(path, "rb") as f:
        return f.read()[offset:offset + count]


def write_ycbcr(path, kind, w, h, tmp):
    """A YCbCr TIFF with libtiff's layouts, which neither Pillow nor tiffcp writes unless JPEG-compressed: chunky
    strips or tiles of subsampling blocks, or three planes. kind is "ycbcr:COMPRESSION:HxV[:OPTION...]"."""
    import struct
    _, compression, sub, *options = kind.split(":")
    hs, vs = (int(x) for x in sub.split("x"))
    option = options[0] if options else ""
    tiled = "tiled" in options
    planar = "planar" in options
    predictor = "predictor" in options or "damaged_predictor" in options
    rps = 5 if "rps5" in options else 16
    tw, th = 32, 16
    ycc = np.array(Image.fromarray(picture(w, h)).convert("YCbCr"))

    def predicted(raw, row):
        """Horizontal differencing, stride 3 (1 for a plane), over rows of `row` bytes."""
        stride = 1 if planar else 3
        if len(raw) % row or row % stride:
            return raw  # libtiff cannot undo it either: left as it is
        for at in range(0, len(raw), row):
            for i in range(at + row - 1, at + stride - 1, -1):
                raw[i] = (raw[i] - raw[i - stride]) & 0xFF
        return raw

    segments = []  # (raw bytes, bytes of a row for the compressors)
    if tiled:
        padded = np.pad(ycc, ((0, -h % th), (0, -w % tw), (0, 0)), mode="edge")
        for y in range(0, h, th):
            for x in range(0, w, tw):
                raw = bytearray(ycbcr_blocks(padded[y:y + th, x:x + tw], hs, vs))
                if predictor:
                    raw = predicted(raw, 3 * tw)
                segments.append((bytes(raw), -(-tw // hs) * (hs * vs + 2)))
    elif planar:
        for p in range(3):
            for y in range(0, h, rps):
                raw = bytearray(ycc[y:y + rps, :, p].tobytes())
                if predictor:
                    raw = predicted(raw, w)
                segments.append((bytes(raw), w))
    else:
        sampling_row = -(-w // hs) * (hs * vs + 2)
        scanline = sampling_row // vs
        for y in range(0, h, rps):
            rows = min(rps, h - y)
            raw = bytearray(ycbcr_blocks(ycc[y:y + rows], hs, vs))
            if predictor:  # over the rows libtiff reads: whole blocks' rows of a scanline each
                need = -(-rows // vs) * vs * scanline
                raw = predicted(raw[:need], scanline) + raw[need:]
            segments.append((bytes(raw), sampling_row))
    strips = []
    for raw, row in segments:
        strips.append(raw if compression == "raw" else compress_strip(raw, compression, row, tmp))
        if option.startswith("damaged") or "damaged" in options:
            c = len(strips[-1])
            strips[-1] = strips[-1][:c // 2] + bytes(c - c // 2)
    code = {"raw": 1, "lzw": 5, "deflate": 8, "packbits": 32773}[compression]
    data = b"".join(strips)
    offsets = list(np.cumsum([8] + [len(s) for s in strips[:-1]]))
    extra_at = 8 + len(data)
    extra = b""

    def at_extra(blob):
        nonlocal extra
        where = extra_at + len(extra)
        extra += blob
        return where

    n = len(strips)
    where, counts = (324, 325) if tiled else (273, 279)
    tags = {256: (4, 1, w), 257: (4, 1, h), 259: (3, 1, code), 262: (3, 1, 6), 277: (3, 1, 3),
            284: (3, 1, 2 if planar else 1), 530: (3, 2, hs | vs << 16),
            258: (3, 3, at_extra(struct.pack("<3H", 8, 8, 8))),
            where: (4, n, at_extra(struct.pack(f"<{n}I", *offsets)) if n > 1 else 8),
            counts: (4, n, at_extra(struct.pack(f"<{n}I", *[len(s) for s in strips])) if n > 1 else len(strips[0]))}
    if tiled:
        tags[322] = (3, 1, tw)
        tags[323] = (3, 1, th)
    else:
        tags[278] = (4, 1, rps)
    if predictor:
        tags[317] = (3, 1, 2)
    if option == "count_past_end":  # the last strip claims more bytes than the file has
        counts = [len(x) for x in strips[:-1]] + [len(strips[-1]) + 100000]
        tags[279] = (4, len(strips), at_extra(struct.pack(f"<{len(strips)}I", *counts)))
    for o in options:
        if o.startswith("orientation"):
            tags[274] = (3, 1, int(o[11:]))
    if option == "rbw":  # studio range
        tags[532] = (5, 6, at_extra(struct.pack("<12I", 16, 1, 235, 1, 128, 1, 240, 1, 128, 1, 240, 1)))
    if option == "coefficients":  # BT.709
        tags[529] = (5, 3, at_extra(struct.pack("<6I", 2126, 10000, 7152, 10000, 722, 10000)))
    if "padded" in options:  # room for Pillow's four bytes a pixel after the last strip
        at_extra(bytes(4 * w * h))
    ifd_at = extra_at + len(extra)
    ifd = struct.pack("<H", len(tags)) + b"".join(
        struct.pack("<HHII", tag, *tags[tag]) for tag in sorted(tags)) + b"\0\0\0\0"
    with open(path, "wb") as f:
        f.write(b"II*\0" + struct.pack("<I", ifd_at) + data + extra + ifd)


def write_codec(path, kind, w, h, tmp):
    """libtiff's codecs Pillow 9.4 decodes that the JDK's reader does not (ZSTD, LZMA, WebP), and two it cannot
    identify (JBIG, LERC), written by tiffcp. kind is "codec:SOURCE:TIFFCP-COMPRESSION[:OPTION...]"; options: tiled,
    separate, bigendian, lsb2msb, rNN (rows per strip), damaged (the second half of every strip zeroed)."""
    _, source, compression, *options = kind.split(":")
    rgb = picture(w, h)
    src = os.path.join(tmp, "codec.src.tif")
    if source == "rgb":
        Image.fromarray(rgb).save(src)
    elif source == "rgba":
        Image.fromarray(np.dstack([rgb, ramp(w, h, 1)]), "RGBA").save(src)
    elif source == "l":
        Image.fromarray(stripes_grey(w, h)).save(src)
    elif source == "bilevel":
        Image.fromarray(stripes_grey(w, h)).convert("1", dither=Image.Dither.NONE).save(src)
    elif source == "palette":
        Image.fromarray(rgb).quantize(colors=40, dither=Image.Dither.NONE).save(src)
    elif source == "i16":
        Image.fromarray(grey16(w, h, 3000).astype(np.uint16)).save(src)
    elif source == "f32":
        v = grey16(w, h, 600) - 150.0 + 0.37
        v[::56, ::40] = 254.999
        Image.fromarray(v.astype(np.float32), "F").save(src)
    else:
        raise ValueError(kind)
    args = ["-c", compression.replace("_", ":")]
    for o in options:
        if o == "tiled":
            args += ["-t", "-w", "64", "-l", "64"]
        elif o == "separate":
            args += ["-p", "separate"]
        elif o == "bigendian":
            args += ["-B"]
        elif o == "lsb2msb":
            args += ["-f", "lsb2msb"]
        elif o.startswith("r"):
            args += ["-r", o[1:]]
    tiffcp(src, path, *args)
    if "damaged" in options:
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            im = Image.open(path)
            offsets = im.tag_v2.get(324) or im.tag_v2[273]
            counts = im.tag_v2.get(325) or im.tag_v2[279]
            for o, c in zip(offsets, counts):
                data[o + c // 2:o + c] = bytes(c - c // 2)
            f.seek(0)
            f.write(data)
    if "count_zero" in options:  # one strip counted 0: libtiff estimates its size from the file
        import struct
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            ifd = struct.unpack_from("<I", data, 4)[0]
            for i in range(struct.unpack_from("<H", data, ifd)[0]):
                at = ifd + 2 + 12 * i
                tag, typ, n = struct.unpack_from("<HHI", data, at)
                if tag == 279:
                    assert typ == 4 and n == 1
                    data[at + 8:at + 12] = bytes(4)
            f.seek(0)
            f.write(data)
    if "count_past_end" in options:  # the strip lying last in the file claims 1000 bytes more than the file has
        import struct
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            im = Image.open(path)
            offsets, counts = im.tag_v2[273], im.tag_v2[279]
            last = max(range(len(offsets)), key=lambda i: offsets[i])
            ifd = struct.unpack_from("<I", data, 4)[0]
            for i in range(struct.unpack_from("<H", data, ifd)[0]):
                tag, typ, n, value = struct.unpack_from("<HHII", data, ifd + 2 + 12 * i)
                if tag == 279:
                    assert typ == 4 and n > 1
                    struct.pack_into("<I", data, value + 4 * last, counts[last] + 1000)
            f.seek(0)
            f.write(data)


def struct_entry(tag, value):
    import struct
    return struct.pack("<HHII", tag, 4, 1, value)


# name, kind, width, height, and for the files the reference refuses the code sieve refuses them with (the
# reference's exception is recorded beside it; a refusal where none is expected, or the reverse, stops the run)
CASES = [
    ("rgb_raw_120x80", "rgb_raw", 120, 80, None),
    ("rgb_lzw_200x140", "rgb_lzw", 200, 140, None),
    ("rgb_deflate_predictor_680x690_tiled", "rgb_deflate_predictor", 680, 690, None),
    ("rgb_packbits_160x100", "rgb_packbits", 160, 100, None),
    ("rgb_tiles_deflate_500x300", "rgb_tiled", 500, 300, None),
    ("rgb_planar_lzw_240x160", "rgb_planar", 240, 160, None),
    ("rgb_jpeg_ycbcr_400x300", "rgb_jpeg", 400, 300, None),
    ("rgb_bigendian_lzw_260x200", "rgb_bigendian", 260, 200, None),
    ("rgba_deflate_1600x700_tiled_resized", "rgba", 1600, 700, None),
    ("l_deflate_500x400", "l_deflate", 500, 400, None),
    ("l_min_is_white_raw_200x120", "l_min_is_white", 200, 120, None),
    ("bilevel_g4_1600x700_tiled_resized", "bilevel_g4", 1600, 700, None),
    ("bilevel_min_is_white_raw_203x90", "bilevel_min_is_white", 203, 90, None),
    ("la_lzw_300x200", "la", 300, 200, None),
    ("p_lzw_400x300", "palette", 400, 300, None),
    ("p4_raw_203x120", "p4_handmade", 203, 120, None),
    ("l2_bigendian_raw_150x100", "l2", 150, 100, None),
    ("l4_min_is_white_raw_151x100", "l4_min_is_white", 151, 100, None),
    ("i16_signed_raw_160x120", "i16_signed", 160, 120, None),
    ("cmyk_deflate_1600x700_tiled_resized", "cmyk", 1600, 700, None),
    ("rgb16_deflate_300x200", "rgb16", 300, 200, None),
    ("i16_deflate_500x300", "i16", 500, 300, None),
    ("i16_deflate_900x700_tiled", "i16_tiled_no_resize", 900, 700, None),
    ("i16_deflate_1600x700_refused_resize", "i16_tiled_refused", 1600, 700, "UNSUPPORTED_FORMAT"),
    ("i16b_deflate_400x300", "i16b", 400, 300, None),
    ("i16_deflate_predictor_400x300", "i16_predictor", 400, 300, None),
    ("i16_signed_lzw_predictor_160x120", "i16_signed_predictor", 160, 120, None),
    ("i32_deflate_predictor_tiles_300x200", "i32_predictor_tiles", 300, 200, None),
    ("f32_lzw_predictor_200x150", "f32_predictor", 200, 150, None),
    ("i32_deflate_1700x800_tiled_resized", "i32", 1700, 800, None),
    ("i32_deflate_400x300", "i32", 400, 300, None),
    ("i32_large_values_deflate_1600x700_tiled_resized", "i32_large", 1600, 700, None),
    ("f32_deflate_1600x750_tiled_resized", "f32", 1600, 750, None),
    ("f32_deflate_400x300", "f32", 400, 300, None),
    ("multipage_lzw_200x120", "multipage", 200, 120, None),
    ("float64_planar_64x48_refused", "float64_planar", 64, 48, "UNSUPPORTED_FORMAT"),
    ("extra_rgbxx_raw_120x80", "extra_rgbxx", 120, 80, None),
    ("extra_rgbxxx_raw_121x81", "extra_rgbxxx", 121, 81, None),
    ("extra_rgbax_deflate_1600x700_tiled_resized", "extra_rgbax", 1600, 700, None),
    ("extra_rgbaxx_raw_130x90", "extra_rgbaxx", 130, 90, None),
    ("extra_rgbAx_raw_140x100", "extra_rgbAx", 140, 100, None),
    ("extra_rgbAxx_raw_150x100", "extra_rgbAxx", 150, 100, None),
    ("extra_cmykx_raw_160x100", "extra_cmykx", 160, 100, None),
    ("extra_cmykxx_raw_170x110", "extra_cmykxx", 170, 110, None),
    ("cmyk16_raw_200x120", "cmyk16", 200, 120, None),
    ("rgba16_associated_deflate_1600x700_tiled_resized", "rgba16_assoc", 1600, 700, None),
    ("rgba16_associated_bigendian_raw_200x120", "rgba16_assoc_bigendian", 200, 120, None),
    ("rgb16_two_extra_raw_100x60_refused", "rgb16_extra_refused", 100, 60, "UNSUPPORTED_FORMAT"),
    ("fill2_l_raw_200x120", "fill2_l_raw", 200, 120, None),
    ("fill2_rgb_bigendian_raw_210x130", "fill2_rgb_raw", 210, 130, None),
    ("fill2_bilevel_raw_203x90", "fill2_bilevel_raw", 203, 90, None),
    ("fill2_p4_raw_203x120_refused", "fill2_p4_raw", 203, 120, "UNSUPPORTED_FORMAT"),
    ("fill2_rgba_raw_120x80_refused", "fill2_rgba_raw_refused", 120, 80, "UNSUPPORTED_FORMAT"),
    ("fill2_l_lzw_300x200", "fill2_l_lzw", 300, 200, None),
    ("fill2_rgba_deflate_120x80_refused", "fill2_rgba_deflate", 120, 80, "UNSUPPORTED_FORMAT"),
    ("fill2_bilevel_g4_400x300", "fill2_bilevel_g4", 400, 300, None),
    ("i12_raw_203x120", "i12_raw", 203, 120, None),
    ("i12_lzw_300x200", "i12_lzw", 300, 200, None),
    ("i12_bigendian_raw_100x60_refused", "i12_bigendian_refused", 100, 60, "UNSUPPORTED_FORMAT"),
    ("bigtiff_rgb_lzw_200x140", "bigtiff_rgb_lzw", 200, 140, None),
    ("bigtiff_rgb_tiles_deflate_300x200", "bigtiff_rgb_tiles", 300, 200, None),
    ("bigtiff_rgb_bigendian_lzw_120x80_refused", "bigtiff_rgb_bigendian", 120, 80, "UNSUPPORTED_FORMAT"),
    ("bigtiff_l_deflate_1600x700_tiled_resized", "bigtiff_l_deflate", 1600, 700, None),
    ("bigtiff_l_raw_200x120", "bigtiff_l_raw", 200, 120, None),
    ("bigtiff_i16_deflate_400x300", "bigtiff_i16_deflate", 400, 300, None),
    ("bigtiff_ifd_outside_64x40", "bigtiff_ifd_outside", 64, 40, "CORRUPT_IMAGE"),
    ("f32_fp_predictor_lzw_300x200", "f32_fp_lzw", 300, 200, None),
    ("f32_fp_predictor_deflate_bigendian_1600x700_tiled_resized", "f32_fp_deflate_bigendian", 1600, 700, None),
    ("f32_fp_predictor_tiles_256x200", "f32_fp_tiles", 256, 200, None),
    ("f32_fp_predictor_edge_tiles_203x130", "f32_fp_edge_tiles", 203, 130, None),
    ("f32_min_is_white_raw_120x80", "f32_min_is_white_raw", 120, 80, None),
    ("i16_min_is_white_raw_120x80", "i16_min_is_white_raw", 120, 80, None),
    ("f32_min_is_white_fp_predictor_120x80", "f32_min_is_white_fp", 120, 80, None),
    ("l_raw_predictor_tag_120x80", "l_raw_predictor_tag", 120, 80, None),
    ("i16_raw_predictor_tag_120x80", "i16_raw_predictor_tag", 120, 80, None),
    ("i12_raw_predictor_tag_120x80", "i12_raw_predictor_tag", 120, 80, None),
    ("i12_deflate_predictor_120x80_refused", "i12_deflate_predictor", 120, 80, "CORRUPT_IMAGE"),
    ("lab_raw_200x120", "lab_raw", 200, 120, None),
    ("lab_lzw_300x200", "lab_lzw", 300, 200, None),
    ("lab_deflate_900x700_tiled", "lab_deflate", 900, 700, None),
    ("lab_deflate_1600x700_tiled_resized", "lab_deflate", 1600, 700, None),
    ("hostile_ifd_cycle_64x40", "hostile_ifd_cycle", 64, 40, None),
    ("hostile_truncated_strip_64x40", "hostile_truncated_strip", 64, 40, "CORRUPT_IMAGE"),
    ("hostile_huge_size_100000x100000", "hostile_huge_size", 64, 40, "TOO_MANY_PIXELS"),
    ("hostile_strip_count_4gb_64x40", "hostile_strip_count_4gb", 64, 40, None),
    ("hostile_ifd_outside_64x40", "hostile_ifd_outside", 64, 40, "CORRUPT_IMAGE"),
    ("hostile_damaged_lzw_120x80", "hostile_damaged_lzw", 120, 80, "CORRUPT_IMAGE"),
    ("hostile_damaged_deflate_120x80", "hostile_damaged_deflate", 120, 80, "CORRUPT_IMAGE"),
    ("hostile_damaged_packbits_120x80", "hostile_damaged_packbits", 120, 80, "CORRUPT_IMAGE"),
    ("pa_lzw_300x200", "pa_lzw", 300, 200, None),
    ("pa_deflate_900x700_tiled", "pa_deflate", 900, 700, None),
    ("pa_deflate_1600x700_tiled_resized", "pa_deflate", 1600, 700, None),
    ("ycbcr22_deflate_203x121", "ycbcr:deflate:2x2", 203, 121, None),
    ("ycbcr11_lzw_200x140", "ycbcr:lzw:1x1", 200, 140, None),
    ("ycbcr21_packbits_201x100", "ycbcr:packbits:2x1", 201, 100, None),
    ("ycbcr12_lzw_150x99", "ycbcr:lzw:1x2", 150, 99, None),
    ("ycbcr41_deflate_203x90", "ycbcr:deflate:4x1", 203, 90, None),
    ("ycbcr42_lzw_1600x700_tiled_resized", "ycbcr:lzw:4x2", 1600, 700, None),
    ("ycbcr44_deflate_odd_blocks_201x123", "ycbcr:deflate:4x4", 201, 123, None),
    ("ycbcr22_deflate_rows_per_strip_5_150x100", "ycbcr:deflate:2x2:rps5", 150, 100, None),
    ("ycbcr22_deflate_reference_black_white_160x100", "ycbcr:deflate:2x2:rbw", 160, 100, None),
    ("ycbcr22_lzw_coefficients_709_160x100", "ycbcr:lzw:2x2:coefficients", 160, 100, None),
    ("ycbcr22_deflate_predictor_161x100", "ycbcr:deflate:2x2:predictor", 161, 100, None),
    ("ycbcr11_lzw_predictor_120x80", "ycbcr:lzw:1x1:predictor", 120, 80, None),
    ("ycbcr22_deflate_bottom_left_150x100", "ycbcr:deflate:2x2:orientation4", 150, 100, None),
    ("ycbcr22_deflate_top_right_150x100", "ycbcr:deflate:2x2:orientation2", 150, 100, None),
    ("ycbcr22_deflate_right_bottom_150x100", "ycbcr:deflate:2x2:orientation7", 150, 100, None),
    ("ycbcr14_deflate_120x80_refused", "ycbcr:deflate:1x4", 120, 80, "CORRUPT_IMAGE"),
    ("ycbcr42_deflate_predictor_over_partial_pixels_122x80", "ycbcr:deflate:4x2:predictor", 122, 80, None),
    ("ycbcr22_damaged_deflate_120x80", "ycbcr:deflate:2x2:damaged", 120, 80, None),
    ("ycbcr22_damaged_lzw_120x80", "ycbcr:lzw:2x2:damaged", 120, 80, None),
    ("ycbcr22_damaged_packbits_120x80", "ycbcr:packbits:2x2:damaged", 120, 80, None),
    ("ycbcr22_damaged_lzw_predictor_120x80", "ycbcr:lzw:2x2:damaged_predictor", 120, 80, None),
    ("ycbcr22_deflate_count_past_end_120x80", "ycbcr:deflate:2x2:count_past_end", 120, 80, "CORRUPT_IMAGE"),
    ("rgb_lzw_orientation6_200x140", "oriented:RGB:tiff_lzw:6", 200, 140, None),
    ("l_raw_orientation3_121x80", "oriented:L:raw:3", 121, 80, None),
    ("rgba_deflate_orientation7_1600x700_tiled_resized", "oriented:RGBA:tiff_adobe_deflate:7", 1600, 700, None),
    ("ycbcr22_raw_read_as_rgbx_120x80", "ycbcr:raw:2x2:padded", 120, 80, None),
    ("ycbcr22_raw_truncated_120x80", "ycbcr:raw:2x2", 120, 80, "CORRUPT_IMAGE"),
    ("ycbcr22_tiled_deflate_203x121", "ycbcr:deflate:2x2:tiled", 203, 121, None),
    ("ycbcr44_tiled_lzw_edge_skip_203x100", "ycbcr:lzw:4x4:tiled", 203, 100, None),
    ("ycbcr42_tiled_packbits_predictor_150x90", "ycbcr:packbits:4x2:tiled:predictor", 150, 90, None),
    ("ycbcr11_tiled_lzw_predictor_bottom_left_100x70", "ycbcr:lzw:1x1:tiled:predictor:orientation4", 100, 70, None),
    ("ycbcr22_tiled_damaged_deflate_120x80", "ycbcr:deflate:2x2:tiled:damaged", 120, 80, None),
    ("ycbcr22_tiled_damaged_lzw_120x80", "ycbcr:lzw:2x2:tiled:damaged", 120, 80, None),
    ("ycbcr11_planar_deflate_150x100", "ycbcr:deflate:1x1:planar", 150, 100, None),
    ("ycbcr11_planar_lzw_predictor_top_right_120x80", "ycbcr:lzw:1x1:planar:predictor:orientation2", 120, 80, None),
    ("ycbcr11_planar_damaged_packbits_120x80", "ycbcr:packbits:1x1:planar:damaged", 120, 80, None),
    ("ycbcr22_planar_deflate_120x80_refused", "ycbcr:deflate:2x2:planar", 120, 80, "CORRUPT_IMAGE"),
    ("ycbcr22_raw_planar_120x80", "ycbcr:raw:2x2:planar", 120, 80, None),
    ("ycbcr22_raw_tiled_128x64", "ycbcr:raw:2x2:tiled:padded", 128, 64, None),
    ("ycbcr22_raw_tiled_edge_120x64", "ycbcr:raw:2x2:tiled:padded", 120, 64, None),
    ("ycbcr22_raw_tiled_edge_stride_124x64", "ycbcr:raw:2x2:tiled:padded", 124, 64, "CORRUPT_IMAGE"),
]

# libtiff's codecs (write_codec): kept apart from CASES so that the two lists grow without touching each other.
CODEC_CASES = [
    ("zstd_rgb_200x140", "codec:rgb:zstd", 200, 140, None),
    ("zstd_rgba_predictor_1600x700_tiled_resized", "codec:rgba:zstd_2:r64", 1600, 700, None),
    ("zstd_l_tiles_203x130", "codec:l:zstd:tiled", 203, 130, None),
    ("zstd_i16_predictor_300x200", "codec:i16:zstd_2", 300, 200, None),
    ("zstd_f32_fp_predictor_200x150", "codec:f32:zstd_3", 200, 150, None),
    ("zstd_rgb_bigendian_rows_16_201x100", "codec:rgb:zstd:bigendian:r16", 201, 100, None),
    ("zstd_l_fill2_150x100", "codec:l:zstd:lsb2msb", 150, 100, None),
    ("zstd_damaged_120x80", "codec:rgb:zstd:damaged", 120, 80, "CORRUPT_IMAGE"),
    ("zstd_count_past_end_200x140", "codec:rgb:zstd:count_past_end", 200, 140, "CORRUPT_IMAGE"),
    ("zstd_one_strip_count_zero_120x80", "codec:rgb:zstd:r1000:count_zero", 120, 80, None),
    ("lzma_one_strip_count_zero_120x80", "codec:rgb:lzma:r1000:count_zero", 120, 80, None),
    ("webp_one_strip_count_zero_120x80", "codec:rgb:webp_p100:r1000:count_zero", 120, 80, None),
    # The same for the JDK reader's compressions (sieve refused them: the reader read no data).
    ("lzw_one_strip_count_zero_120x80", "codec:rgb:lzw:r1000:count_zero", 120, 80, None),
    ("deflate_one_strip_count_zero_120x80", "codec:rgb:zip:r1000:count_zero", 120, 80, None),
    ("packbits_one_strip_count_zero_120x80", "codec:rgb:packbits:r1000:count_zero", 120, 80, None),
    # The same for the JDK reader's compressions: libtiff fails the strip ("Read error"), sieve cut the count and scored.
    ("lzw_count_past_end_200x140", "codec:rgb:lzw:count_past_end", 200, 140, "CORRUPT_IMAGE"),
    ("deflate_count_past_end_200x140", "codec:rgb:zip:count_past_end", 200, 140, "CORRUPT_IMAGE"),
    ("packbits_count_past_end_200x140", "codec:rgb:packbits:count_past_end", 200, 140, "CORRUPT_IMAGE"),
    ("lzma_rgb_200x140", "codec:rgb:lzma", 200, 140, None),
    ("lzma_palette_300x200", "codec:palette:lzma", 300, 200, None),
    ("lzma_rgb_planar_predictor_240x160", "codec:rgb:lzma_2:separate", 240, 160, None),
    ("lzma_i16_tiles_predictor_300x200", "codec:i16:lzma_2:tiled", 300, 200, None),
    ("lzma_bilevel_203x90", "codec:bilevel:lzma", 203, 90, None),
    ("lzma_damaged_120x80", "codec:rgb:lzma:damaged", 120, 80, "CORRUPT_IMAGE"),
    ("webp_rgb_lossy_200x140", "codec:rgb:webp", 200, 140, None),
    ("webp_rgb_lossless_203x121", "codec:rgb:webp_p100", 203, 121, None),
    ("webp_rgba_lossy_tiles_200x130", "codec:rgba:webp_p60:tiled", 200, 130, None),
    ("webp_rgba_lossless_rows_16_1600x700_tiled_resized", "codec:rgba:webp_p100:r16", 1600, 700, None),
    # Lossy VP8 data half zeroed still gives every row (libwebp decodes the zeros): Pillow scores the image.
    ("webp_damaged_lossy_still_decodes_120x80", "codec:rgb:webp:damaged", 120, 80, None),
    ("webp_damaged_lossless_120x80", "codec:rgb:webp_p100:damaged", 120, 80, "CORRUPT_IMAGE"),
    ("jbig_bilevel_203x90_refused", "codec:bilevel:jbig", 203, 90, "UNSUPPORTED_FORMAT"),
    ("lerc_rgb_120x80_refused", "codec:rgb:lerc", 120, 80, "UNSUPPORTED_FORMAT"),
]
CASES += CODEC_CASES


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def decoded_bytes(im):
    """Pillow's pixels as sieve holds them (see the module's doc)."""
    if im.mode in ("P", "RGBX"):
        return np.array(im.convert("RGB"))
    if im.mode == "1":
        return np.array(im.convert("L"))
    if im.mode in ("I;16", "I;16B"):
        return np.array(im).astype("<u2")
    if im.mode == "I":
        return np.array(im).astype("<i4")
    if im.mode == "F":
        return np.array(im).astype("<f4")
    return np.array(im)


def golden(name, path, w, h, expect):
    case = {"file": os.path.relpath(path, OUT), "width": w, "height": h}
    try:
        im = Image.open(path)
        im.load()
        case["mode"] = im.mode
        tiles = preprocess.tiles(im)
        out = preprocess.prepare(im, whole=True)
    except Exception as e:  # the reference refuses: record what it raised
        case["refused"] = f"{type(e).__name__}: {e}".replace(os.path.abspath(path), path)
        case["code"] = expect
        print(f"{name}: refused, {case['refused']} -> {expect}")
        assert expect is not None, name + " refused by the reference, but no code is expected"
        return case
    assert expect is None, name + " scored by the reference, but " + expect + " is expected"
    case["width"], case["height"] = im.size  # as Pillow leaves it: turned by its Orientation tag
    case["decoded"] = sha(decoded_bytes(im))
    case["crops"] = [{"tile": sha(decoded_bytes(t)), "rgb": sha(c), "values": sha(v.astype("<f4"))}
                     for t, c, v in zip(tiles, out["rgb"], out["pixel_values"])]
    case["whole"] = None
    if "whole_rgb" in out:
        case["whole"] = {"rgb": sha(out["whole_rgb"][0]), "values": sha(out["whole_values"][0].astype("<f4"))}
    print(f"{name}: {im.mode} {im.size} -> {len(case['crops'])} crop(s), {os.path.getsize(path)} bytes")
    return case


def main():
    os.makedirs(os.path.join(OUT, "cases"), exist_ok=True)
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, kind, w, h, expect in CASES:
            cases.append(golden(name, make(name, kind, w, h, tmp), w, h, expect))
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"generator": "scripts/reference/make_format_corpus_tiff.py", "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
