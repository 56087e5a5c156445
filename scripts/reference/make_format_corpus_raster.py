#!/usr/bin/python3
"""Makes the raster-format corpus (BMP, ICO/CUR, PBM/PGM/PPM, TGA, PNG and GIF edge cases) and its goldens.

Files are small (tens of pixels a side) and written with Pillow, ImageMagick or by hand (struct) where a variant
matters that neither writes (RLE4 with a delta escape, top-down or OS/2 BMPs, V4/V5 headers, ICO with an AND mask,
16-bit TGA, a PNG whose IHDR checksum is wrong, a GIF whose logical screen is 65535x65535 around a small frame).
The judge is Debian's Pillow 9.4: each file is opened and loaded as city96's inference.py would (Image.open, then
the preprocessing of preprocess.py), and the goldens say what it gave: for a decoded file the Pillow mode, size,
sha256 of the decoded pixels and of every crop (the format of make_image_goldens.py); for a refused file the
exception and the failure code sieve must give (see code_for below).

Run from the repository root: /usr/bin/python3 scripts/reference/make_format_corpus_raster.py
Writes worker/src/test/resources/formats/{bmp,ico,pnm,tga,png,gif}/ (files plus cases.json).
"""
import io
import json
import os
import struct
import subprocess
import sys
import warnings
import zlib

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_image_goldens as goldens  # noqa: E402
import preprocess  # noqa: E402

OUT = "worker/src/test/resources/formats"


def rgb(w, h, seed=1):
    return goldens.content(w, h, seed)


def palette_image(w, h, colours, seed=1):
    return Image.fromarray(rgb(w, h, seed), "RGB").quantize(colors=colours, dither=Image.Dither.NONE)


def indices_and_palette(w, h, colours, seed=1):
    im = palette_image(w, h, colours, seed)
    pal = im.getpalette()[:3 * colours]
    pal += [0] * (3 * colours - len(pal))
    return np.array(im), [tuple(pal[i:i + 3]) for i in range(0, 3 * colours, 3)]


# ---------------------------------------------------------------- BMP / DIB, by hand

def rows_bottom_up(rows, top_down):
    return rows if top_down else rows[::-1]


def pack_rows(idx, bits):
    """Index rows packed at `bits` per pixel, each padded to 4 bytes."""
    out = []
    for row in idx:
        bitstr = 0
        n = 0
        data = bytearray()
        for v in row:
            bitstr = (bitstr << bits) | int(v)
            n += bits
            while n >= 8:
                n -= 8
                data.append((bitstr >> n) & 0xFF)
        if n:
            data.append((bitstr << (8 - n)) & 0xFF)
        while len(data) % 4:
            data.append(0)
        out.append(bytes(data))
    return out


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def dib(w, h, bits, pixel_rows, palette=None, compression=0, header_size=40, masks=None, top_down=False,
        colors_used=None, height_factor=1):
    """A DIB (BITMAPINFOHEADER or larger) with its palette and pixel rows (already in file order)."""
    data = b"".join(pixel_rows)
    ncol = len(palette) if palette else 0
    height = h * height_factor
    if header_size == 12:
        head = struct.pack("<IHHHH", 12, w, height, 1, bits)
        pal = b"".join(struct.pack("BBB", b, g, r) for r, g, b in palette or [])
        return head + pal + data
    hh = -height if top_down else height
    head = struct.pack("<IiiHHIIiiII", header_size, w, hh, 1, bits, compression, len(data), 2835, 2835,
                       ncol if colors_used is None else colors_used, 0)
    extra = b""
    if header_size >= 52:
        m = list(masks or (0, 0, 0)) + [0] * 4
        extra = struct.pack("<IIII", *m[:4])
    head = head + extra
    head += b"\0" * (header_size - len(head))
    after = b""
    if header_size == 40 and compression == 3 and masks:
        after = struct.pack("<III", *masks[:3])
    pal = b"".join(struct.pack("BBBB", b, g, r, 0) for r, g, b in palette or [])
    return head + after + pal + data


def bmp(dib_bytes, header_size=None):
    """BITMAPFILEHEADER in front of a DIB; the data offset points just past the palette."""
    hs = struct.unpack("<I", dib_bytes[:4])[0]
    bits = struct.unpack("<H", dib_bytes[14:16])[0] if hs > 12 else struct.unpack("<H", dib_bytes[10:12])[0]
    compression = struct.unpack("<I", dib_bytes[16:20])[0] if hs > 12 else 0
    ncol = struct.unpack("<I", dib_bytes[32:36])[0] if hs > 12 else (1 << bits if bits <= 8 else 0)
    if hs > 12 and ncol == 0 and bits <= 8:
        ncol = 1 << bits
    masks = 12 if (hs == 40 and compression == 3) else 0
    offset = 14 + hs + masks + ncol * (3 if hs == 12 else 4)
    return b"BM" + struct.pack("<IHHI", 14 + len(dib_bytes), 0, 0, offset) + dib_bytes


def bgr_rows(arr, bytes_per_pixel=3, alpha=None, order="BGR"):
    rows = []
    for y in range(arr.shape[0]):
        row = bytearray()
        for x in range(arr.shape[1]):
            r, g, b = (int(v) for v in arr[y, x])
            a = int(alpha[y, x]) if alpha is not None else 0
            px = {"BGR": (b, g, r), "BGRA": (b, g, r, a), "RGBA": (r, g, b, a), "ABGR": (a, b, g, r)}[order]
            row += bytes(px)
        rows.append(pad4(bytes(row)))
    return rows


def rows16(arr, kind):
    rows = []
    for y in range(arr.shape[0]):
        row = bytearray()
        for x in range(arr.shape[1]):
            r, g, b = (int(v) for v in arr[y, x])
            if kind == 565:
                v = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)
            else:
                v = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3) | ((x & 1) << 15)  # top bit: ignored
            row += struct.pack("<H", v)
        rows.append(pad4(bytes(row)))
    return rows


def rle8(idx, with_delta=False):
    """RLE8 rows bottom-up: runs for repeats, absolute runs (>= 3) for the rest, end-of-line, end-of-bitmap."""
    out = bytearray()
    for y, row in enumerate(idx[::-1]):
        row = [int(v) for v in row]
        x = 0
        if with_delta and y == 2:
            out += bytes([0, 2, 3, 0])   # Pillow 9.4 reads two more bytes after these: the quirk under test
            out += bytes([3, 1])         # ... and moves right 3, up 1 with them
            out += bytes([0, 0])
            continue
        while x < len(row):
            run = 1
            while x + run < len(row) and row[x + run] == row[x] and run < 255:
                run += 1
            if run >= 2 or len(row) - x < 3:
                out += bytes([run, row[x]])
                x += run
            else:
                n = min(255, len(row) - x)
                # absolute until the next repeat
                k = 3
                while k < n and not (x + k + 1 < len(row) and row[x + k] == row[x + k + 1]):
                    k += 1
                out += bytes([0, k]) + bytes(row[x:x + k])
                if k % 2:
                    out += b"\0"
                x += k
        out += b"\0\0"
    out += b"\0\1"
    return [bytes(out)]


def rle4(idx):
    """RLE4: each row as runs of two alternating nibbles, plus one absolute run with an odd count."""
    out = bytearray()
    for row in idx[::-1]:
        row = [int(v) for v in row]
        x = 0
        if len(row) >= 8:
            k = 5  # odd: Pillow 9.4 reads 5 // 2 bytes and drops the fifth pixel's nibble, but counts 5
            nib = row[:6]
            out += bytes([0, k]) + bytes([(nib[0] << 4) | nib[1], (nib[2] << 4) | nib[3], (nib[4] << 4) | nib[5]])
            out += b"\0"
            x = k
        while x < len(row):
            run = 1
            while x + run < len(row) and row[x + run] == row[x] and run < 255:
                run += 1
            out += bytes([run, (row[x] << 4) | row[x]])
            x += run
        out += b"\0\0"
    out += b"\0\1"
    return [bytes(out)]


def make_bmp(d):
    w, h = 37, 23
    img = rgb(w, h, 3)
    alpha = goldens.alpha(w, h)
    files = {}
    idx8, pal8 = indices_and_palette(w, h, 200, 4)
    idx4, pal4 = indices_and_palette(w, h, 16, 5)
    idx1, pal1 = indices_and_palette(w, h, 2, 6)
    grey = np.array(Image.fromarray(img).convert("L"))
    files["p8.bmp"] = bmp(dib(w, h, 8, rows_bottom_up(pack_rows(idx8, 8), False), pal8))
    files["p8_topdown.bmp"] = bmp(dib(w, h, 8, pack_rows(idx8, 8), pal8, top_down=True))
    files["p8_small_palette.bmp"] = bmp(dib(w, h, 8, rows_bottom_up(pack_rows(np.minimum(idx8, 40), 8), False),
                                            pal8[:20], colors_used=20))   # indices 20..40 fall on Pillow's grey ramp
    files["l8_grey_palette.bmp"] = bmp(dib(w, h, 8, rows_bottom_up(pack_rows(grey, 8), False),
                                           [(i, i, i) for i in range(256)]))
    files["p4.bmp"] = bmp(dib(w, h, 4, rows_bottom_up(pack_rows(idx4, 4), False), pal4))
    files["p1_colour.bmp"] = bmp(dib(w, h, 1, rows_bottom_up(pack_rows(idx1, 1), False), pal1))
    files["bilevel1_black_white.bmp"] = bmp(dib(w, h, 1, rows_bottom_up(pack_rows(idx1, 1), False),
                                                [(0, 0, 0), (255, 255, 255)]))
    files["rle8.bmp"] = bmp(dib(w, h, 8, rle8(idx8), pal8, compression=1))
    files["rle8_delta.bmp"] = bmp(dib(w, h, 8, rle8(idx8, with_delta=True), pal8, compression=1))
    files["rle4_odd_absolute.bmp"] = bmp(dib(w, h, 4, rle4(idx4), pal4, compression=2))
    files["rgb24.bmp"] = bmp(dib(w, h, 24, rows_bottom_up(bgr_rows(img), False)))
    files["rgb24_topdown.bmp"] = bmp(dib(w, h, 24, bgr_rows(img), top_down=True))
    files["rgb24_os2_v1.bmp"] = bmp(dib(w, h, 24, rows_bottom_up(bgr_rows(img), False), header_size=12))
    files["p8_os2_v1.bmp"] = bmp(dib(w, h, 8, rows_bottom_up(pack_rows(idx8, 8), False),
                                     pal8 + [(0, 0, 0)] * 56, header_size=12))
    files["rgb555_raw16.bmp"] = bmp(dib(w, h, 16, rows_bottom_up(rows16(img, 555), False)))
    files["rgb565_bitfields.bmp"] = bmp(dib(w, h, 16, rows_bottom_up(rows16(img, 565), False), compression=3,
                                            masks=(0xF800, 0x7E0, 0x1F)))
    files["rgb555_bitfields_v4.bmp"] = bmp(dib(w, h, 16, rows_bottom_up(rows16(img, 555), False), compression=3,
                                               masks=(0x7C00, 0x3E0, 0x1F), header_size=108))
    files["bgrx32_raw.bmp"] = bmp(dib(w, h, 32, rows_bottom_up(bgr_rows(img, alpha=alpha, order="BGRA"), False)))
    files["bgra32_bitfields_v5.bmp"] = bmp(dib(w, h, 32, rows_bottom_up(bgr_rows(img, alpha=alpha, order="BGRA"),
                                                                        False), compression=3,
                                               masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000), header_size=124))
    files["rgba32_bitfields_v4_topdown.bmp"] = bmp(dib(w, h, 32, bgr_rows(img, alpha=alpha, order="RGBA"),
                                                       compression=3, masks=(0xFF, 0xFF00, 0xFF0000, 0xFF000000),
                                                       header_size=108, top_down=True))
    files["abgr32_bitfields_v5.bmp"] = bmp(dib(w, h, 32, rows_bottom_up(bgr_rows(img, alpha=alpha, order="ABGR"),
                                                                        False), compression=3,
                                               masks=(0xFF000000, 0xFF0000, 0xFF00, 0xFF), header_size=124))
    files["bgrx32_bitfields_40_masks.bmp"] = bmp(dib(w, h, 32, rows_bottom_up(bgr_rows(img, alpha=alpha,
                                                                                      order="BGRA"), False),
                                                     compression=3, masks=(0xFF0000, 0xFF00, 0xFF)))
    files["rgb24_header64.bmp"] = bmp(dib(w, h, 24, rows_bottom_up(bgr_rows(img), False), header_size=64))
    # Refused by Pillow 9.4.
    files["refused_header_size_20.bmp"] = bmp(dib(w, h, 24, rows_bottom_up(bgr_rows(img), False), header_size=20))
    files["refused_argb4444_bitfields.bmp"] = bmp(dib(w, h, 16, rows_bottom_up(rows16(img, 555), False),
                                                      compression=3, masks=(0xF00, 0xF0, 0xF), header_size=124))
    files["refused_jpeg_compression.bmp"] = bmp(dib(w, h, 24, rows_bottom_up(bgr_rows(img), False), compression=4))
    files["refused_depth_2.bmp"] = bmp(dib(w, h, 2, rows_bottom_up(pack_rows(idx1, 2), False), pal1 + pal1))
    raw = bytearray(files["p8.bmp"])
    raw[10:14] = struct.pack("<I", 0)   # no pixel offset: the pixels follow the palette
    files["p8_offset_0.bmp"] = bytes(raw)
    head = dib(w, h, 8, rows_bottom_up(pack_rows(idx8, 8), False), pal8 + [(0, 0, 0)] * 56)
    files["p8_offset_ignores_palette.bmp"] = b"BM" + struct.pack("<IHHI", 14 + len(head), 0, 0, 54) + head
    files["rle8_topdown.bmp"] = bmp(dib(w, h, 8, rle8(idx8[::-1]), pal8, compression=1, top_down=True))
    files["p4_grey_ramp_narrow.bmp"] = bmp(dib(6, 3, 4, pack_rows(np.arange(18).reshape(3, 6) % 16, 4),
                                               [(i, i, i) for i in range(16)]))   # read as "L" bytes: fits when narrow
    files["p4_grey_ramp_wide_read_as_bytes.bmp"] = bmp(dib(w, h, 4, rows_bottom_up(pack_rows(idx4, 4), False),
                                                     [(i, i, i) for i in range(16)]))
    files["refused_palette_300_colours.bmp"] = bmp(dib(w, h, 8, rows_bottom_up(pack_rows(idx8, 8), False),
                                                       pal8 + pal8[:100]))
    files["refused_bomb_100000x100000.bmp"] = bmp(dib(100000, 100000, 24, [b"\0" * 64]))
    files["refused_width_0.bmp"] = bmp(dib(0, h, 24, [b"\0" * 64]))
    files["refused_rle_for_24_bits.bmp"] = bmp(dib(w, h, 24, rle8(idx8), compression=1))
    files["refused_truncated.bmp"] = files["rgb24.bmp"][:-200]
    files["refused_rle8_truncated.bmp"] = files["rle8.bmp"][:len(files["rle8.bmp"]) // 2]
    # Written by Pillow and ImageMagick, as found in the wild.
    for mode in ("RGB", "RGBA", "L", "P", "1"):
        im = Image.fromarray(img).convert(mode) if mode != "P" else palette_image(w, h, 64, 7)
        b = io.BytesIO()
        im.save(b, "BMP")
        files[f"pillow_{mode.lower()}.bmp"] = b.getvalue()
    src = os.path.join(d, "_src.png")
    Image.fromarray(np.dstack([img, alpha])).save(src)
    files["imagemagick_rgba_v5.bmp"] = magick(src, "BMP:-")
    Image.fromarray(img).save(src)
    files["imagemagick_rle8.bmp"] = magick(src, "-colors", "100", "-compress", "RLE", "BMP3:-")
    files["imagemagick_bmp2.bmp"] = magick(src, "BMP2:-")
    os.remove(src)
    return files


def magick(src, *args):
    """ImageMagick's output for src; -strip drops the dates, so a rerun writes the same bytes."""
    return subprocess.run(["convert", src, "-strip", *args], check=True, capture_output=True).stdout


# ---------------------------------------------------------------- ICO / CUR

def and_mask(alpha):
    """AND mask rows bottom-up, 1 = transparent, padded to 32 bits."""
    bits = (alpha < 128).astype(np.uint8)
    return b"".join(pack_rows(bits, 1)[::-1])


def icon_dir(kind, entries):
    """entries: (width byte, height byte, colours, bpp, data); data laid out after the directory."""
    out = struct.pack("<HHH", 0, kind, len(entries))
    offset = 6 + 16 * len(entries)
    body = b""
    for wb, hb, ncol, bpp, data in entries:
        planes_or_hotspot = (1, bpp) if kind == 1 else (wb // 2, hb // 2)
        out += struct.pack("<BBBBHHII", wb, hb, ncol, 0, planes_or_hotspot[0], planes_or_hotspot[1], len(data),
                           offset + len(body))
        body += data
    return out + body


def dib_entry(w, h, bits, img, alpha, palette=None, idx=None):
    if bits == 32:
        rows = bgr_rows(img, alpha=alpha, order="BGRA")[::-1]
    elif bits == 24:
        rows = bgr_rows(img)[::-1]
    else:
        rows = pack_rows(idx, bits)[::-1]
    return dib(w, h, bits, rows, palette, height_factor=2) + and_mask(alpha)


def png_bytes(im):
    b = io.BytesIO()
    im.save(b, "PNG")
    return b.getvalue()


def make_ico(d):
    files = {}
    img48 = rgb(48, 48, 11)
    a48 = goldens.alpha(48, 48)
    img32, a32 = rgb(32, 32, 12), goldens.alpha(32, 32)
    img16, a16 = rgb(16, 16, 13), goldens.alpha(16, 16)
    idx32, pal32 = indices_and_palette(32, 32, 256, 14)
    idx4, pal4 = indices_and_palette(32, 32, 16, 15)
    # Pillow's own writer: PNG entries, the largest (48) is opened.
    b = io.BytesIO()
    Image.fromarray(np.dstack([img48, a48])).save(b, "ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    files["pillow_png_entries.ico"] = b.getvalue()
    b = io.BytesIO()
    Image.fromarray(np.dstack([img48, a48])).save(b, "ICO", sizes=[(16, 16), (48, 48)], bitmap_format="bmp")
    files["pillow_bmp_entries.ico"] = b.getvalue()
    files["dib32_alpha_channel.ico"] = icon_dir(1, [(16, 16, 0, 32, dib_entry(16, 16, 32, img16, a16)),
                                                    (32, 32, 0, 32, dib_entry(32, 32, 32, img32, a32))])
    files["dib24_and_mask.ico"] = icon_dir(1, [(32, 32, 0, 24, dib_entry(32, 32, 24, img32, a32))])
    files["dib8_and_mask.ico"] = icon_dir(1, [(32, 32, 0, 8, dib_entry(32, 32, 8, None, a32, pal32, idx32))])
    files["dib4_and_mask.ico"] = icon_dir(1, [(32, 32, 16, 4, dib_entry(32, 32, 4, None, a32, pal4, idx4))])
    # Same size twice: the deeper entry wins; a 256 entry (directory byte 0) holding a PNG.
    files["same_size_two_depths.ico"] = icon_dir(1, [
        (32, 32, 16, 4, dib_entry(32, 32, 4, None, a32, pal4, idx4)),
        (32, 32, 0, 8, dib_entry(32, 32, 8, None, a32, pal32, idx32))])
    files["png_entry_palette.ico"] = icon_dir(1, [(16, 16, 0, 32, dib_entry(16, 16, 32, img16, a16)),
                                                  (0, 0, 0, 8, png_bytes(palette_image(40, 40, 30, 16)))])
    bits1 = (np.array(Image.fromarray(img32).convert("L")) > 128).astype(np.uint8)
    files["dib1_and_mask.ico"] = icon_dir(1, [(32, 32, 2, 1, dib_entry(32, 32, 1, None, a32,
                                                                       [(200, 10, 10), (10, 10, 200)], bits1))])
    files["refused_dir_says_32_dib_24.ico"] = icon_dir(1, [(32, 32, 0, 32, dib_entry(32, 32, 24, img32, a32))])
    bad = bytearray(png_bytes(palette_image(40, 40, 30, 16)))
    bad[29] ^= 0xFF
    files["refused_png_entry_bad_ihdr_crc.ico"] = icon_dir(1, [(0, 0, 0, 8, bytes(bad))])
    bomb = bytearray(png_bytes(palette_image(40, 40, 30, 16)))
    bomb[16:24] = struct.pack(">II", 20000, 20000)
    bomb[29:33] = struct.pack(">I", zlib.crc32(bytes(bomb[12:29])) & 0xFFFFFFFF)
    files["refused_png_entry_bomb.ico"] = icon_dir(1, [(0, 0, 0, 8, bytes(bomb))])
    # The icon plugin loads its PNG entry inside Image.open: a struct.error or SyntaxError while loading (here a
    # 1-byte gAMA after the image data) is "cannot identify", where a PNG file would be CORRUPT_IMAGE.
    layouts = png_layouts(24, 20)
    files["refused_png_entry_gama_of_1_byte_after_idat.ico"] = icon_dir(1, [(24, 20, 0, 32, png_file(
        *layouts["rgba8"][:3], after=png_chunk(b"gAMA", b"\x01")))])
    # A broken stream and then that gAMA: ImageFile.load runs load_end before it raises the decoder's error.
    broken = bytearray(zlib.compress(png_raw_data(layouts["rgba8"][0], 8, False)))
    broken[-1] ^= 1
    files["refused_png_entry_bad_adler_then_gama_of_1_byte.ico"] = icon_dir(1, [(24, 20, 0, 32, png_file(
        *layouts["rgba8"][:3], data=bytes(broken), after=png_chunk(b"gAMA", b"\x01")))])
    files["png_entry_16bit_interlaced.ico"] = icon_dir(1, [(24, 20, 0, 32, png_file(
        *layouts["rgba16"][:3], interlace=True))])
    files["refused_truncated_entry.ico"] = files["dib24_and_mask.ico"][:300]
    files["refused_no_entries.ico"] = struct.pack("<HHH", 0, 1, 0)
    # Cursors: the first entry at offset 22 with 32 bits is read as BGRA, anything else without alpha.
    files["cursor32_bgra.cur"] = icon_dir(2, [(32, 32, 0, 0, dib_entry(32, 32, 32, img32, a32)),
                                              (16, 16, 0, 0, dib_entry(16, 16, 32, img16, a16))])
    files["cursor32_single_entry_bgra.cur"] = icon_dir(2, [(32, 32, 0, 0, dib_entry(32, 32, 32, img32, a32))])
    files["cursor_second_entry_32_no_alpha.cur"] = icon_dir(2, [(16, 16, 0, 0, dib_entry(16, 16, 24, img16, a16)),
                                                                (32, 32, 0, 0, dib_entry(32, 32, 32, img32, a32))])
    files["cursor8.cur"] = icon_dir(2, [(32, 32, 0, 0, dib_entry(32, 32, 8, None, a32, pal32, idx32))])
    return files


# ---------------------------------------------------------------- PBM / PGM / PPM

def make_pnm(d):
    w, h = 29, 19
    img = rgb(w, h, 21)
    grey = np.array(Image.fromarray(img).convert("L"))
    bits = np.array(Image.fromarray(grey).convert("1"))
    files = {}
    for mode, name in (("1", "p4.pbm"), ("L", "p5.pgm"), ("RGB", "p6.ppm")):
        b = io.BytesIO()
        Image.fromarray(img).convert(mode).save(b, "PPM")
        files[name] = b.getvalue()
    wide = (grey.astype(np.uint32) * 257 + np.arange(w)[None, :] * 3) % 65536
    files["p5_16bit_65535.pgm"] = b"P5\n%d %d\n65535\n" % (w, h) + wide.astype(">u2").tobytes()
    files["p5_16bit_maxval_1000.pgm"] = b"P5 %d %d 1000 " % (w, h) + (wide % 1001).astype(">u2").tobytes()
    files["p5_maxval_100.pgm"] = b"P5\n# a comment\n%d %d\n100\n" % (w, h) + (grey * 100 // 255).astype(
        np.uint8).tobytes()
    files["p6_maxval_15.ppm"] = b"P6\n%d %d\n15\n" % (w, h) + (img >> 4).astype(np.uint8).tobytes()
    files["p6_16bit_maxval_4095.ppm"] = b"P6\n%d %d\n4095\n" % (w, h) + (img.astype(">u2") * 16 + 7).tobytes()
    files["p1_ascii.pbm"] = b"P1\n# plain\n%d %d\n" % (w, h) + b"\n".join(
        b" ".join(b"1" if v == 0 else b"0" for v in row) for row in bits) + b"\n"
    files["p1_ascii_no_spaces.pbm"] = b"P1 %d %d\n" % (w, h) + b"".join(
        b"".join(b"1" if v == 0 else b"0" for v in row) + b"\n" for row in bits)
    files["p2_ascii.pgm"] = b"P2\n%d %d\n255\n" % (w, h) + b"\n".join(
        b" ".join(b"%d" % v for v in row) for row in grey) + b"\n"
    files["p2_ascii_16bit.pgm"] = b"P2\n%d %d\n65535\n" % (w, h) + b"\n".join(
        b" ".join(b"%d" % v for v in row) for row in wide) + b"\n"
    files["p3_ascii_maxval_1000_comments.ppm"] = b"P3\n%d %d\n1000\n" % (w, h) + b"\n".join(
        b" ".join(b"%d %d %d" % tuple(int(c) * 1000 // 255 for c in px) for px in row) + b" # row end"
        for row in img) + b"\n"
    files["p6_signed_underscored_tokens.ppm"] = b"P6 +%d 1_9 25_5\n" % w + img.tobytes()
    p2 = files["p2_ascii.pgm"]
    cut = len(p2) * 2 // 3
    while not (chr(p2[cut - 1]).isdigit() and chr(p2[cut]).isdigit()):
        cut += 1
    files["p2_ascii_cut_mid_token.pgm"] = p2[:cut]   # Pillow repeats the cut token to the end of the image
    files["refused_p2_ascii_cut_after_space.pgm"] = p2[:cut].rstrip(b"0123456789")
    files["refused_truncated.ppm"] = files["p6.ppm"][:-100]
    files["refused_truncated.pbm"] = files["p4.pbm"][:-10]
    files["refused_truncated_16bit.pgm"] = files["p5_16bit_maxval_1000.pgm"][:-10]
    files["refused_bomb_100000x100000.ppm"] = b"P6\n100000 100000\n255\n" + bytes(64)
    files["refused_plain_bomb.pgm"] = b"P2\n100000 100000\n255\n1 2 3\n"
    files["refused_width_0.pgm"] = b"P5\n0 5\n255\n" + bytes(64)
    files["refused_maxval_0.pgm"] = b"P5\n%d %d\n0\n" % (w, h) + grey.tobytes()
    files["refused_maxval_65536.ppm"] = b"P6\n%d %d\n65536\n" % (w, h) + img.astype(">u2").tobytes()
    files["refused_ascii_value_over_maxval.pgm"] = b"P2\n2 1\n10\n3 11\n"
    files["refused_p7_pam.pam"] = b"P7\nWIDTH 2\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n\0\1"
    files["refused_token_too_long.ppm"] = b"P6\n123456789012 1\n255\n\0\0\0"
    return files


# ---------------------------------------------------------------- TGA

def tga_header(w, h, imagetype, depth, flags, cmap=None, id_len=0):
    first, length, entry = cmap or (0, 0, 0)
    return struct.pack("<BBBHHBHHHHBB", id_len, 1 if cmap else 0, imagetype, first, length, entry, 0, 0, w, h,
                       depth, flags)


def tga_rle(pixel_rows, depth_bytes):
    """Runs of repeated pixels (possibly crossing rows: Pillow accepts literals over a row end) and literals."""
    px = [bytes(r[i:i + depth_bytes]) for r in pixel_rows for i in range(0, len(r), depth_bytes)]
    out = bytearray()
    i = 0
    while i < len(px):
        run = 1
        while i + run < len(px) and px[i + run] == px[i] and run < 128:
            run += 1
        if run > 1:
            out += bytes([0x80 | (run - 1)]) + px[i]
            i += run
        else:
            j = i + 1
            while j < len(px) and j - i < 128 and not (j + 1 < len(px) and px[j] == px[j + 1]):
                j += 1
            out += bytes([j - i - 1]) + b"".join(px[i:j])
            i = j
    return bytes(out)


def make_tga(d):
    w, h = 31, 17
    img = rgb(w, h, 31)
    alpha = goldens.alpha(w, h)
    files = {}
    for mode in ("RGB", "RGBA", "L", "LA", "P"):
        for rle in (False, True):
            if mode == "P":
                im = palette_image(w, h, 50, 32)
            elif mode in ("RGBA", "LA"):
                im = Image.fromarray(np.dstack([img, alpha])).convert(mode)
            else:
                im = Image.fromarray(img).convert(mode)
            b = io.BytesIO()
            im.save(b, "TGA", rle=rle)
            files[f"pillow_{mode.lower()}{'_rle' if rle else ''}.tga"] = b.getvalue()
    b = io.BytesIO()
    Image.fromarray(img).save(b, "TGA", orientation=1)
    files["pillow_rgb_top_left.tga"] = b.getvalue()
    # Right-to-left orientations: the header's flag bit 4 set on an RGB file.
    for name, flag in (("flip_bottom_right.tga", 0x10), ("flip_top_right.tga", 0x30)):
        raw = bytearray(files["pillow_rgb.tga"])
        raw[17] |= flag
        files[name] = bytes(raw)
    rows = rows16(img, 555)
    raw16 = [r[:2 * w] for r in rows][::-1]
    files["rgb16_bgr5.tga"] = tga_header(w, h, 2, 16, 0) + b"".join(raw16)
    files["rgb16_bgr5_rle.tga"] = tga_header(w, h, 10, 16, 0) + tga_rle(raw16, 2)
    idx, pal = indices_and_palette(w, h, 40, 33)
    pal16 = b"".join(struct.pack("<H", ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)) for r, g, b in pal)
    files["p_colormap16_first_5.tga"] = (tga_header(w, h, 1, 8, 0x20, (5, 40, 16), id_len=3) + b"abc" + pal16
                                         + (np.minimum(idx + 5, 255)).astype(np.uint8).tobytes())
    files["l_rle_id.tga"] = tga_header(w, h, 11, 8, 0, id_len=4) + b"sien" + tga_rle(
        [r.tobytes() for r in np.array(Image.fromarray(img).convert("L"))[::-1]], 1)
    files["rgb24_top_left_rle.tga"] = tga_header(w, h, 10, 24, 0x20) + tga_rle(
        [img[y][:, ::-1].tobytes() for y in range(h)], 3)
    files["p_no_colormap_grey_ramp.tga"] = tga_header(w, h, 1, 8, 0) + idx.astype(np.uint8).tobytes()
    # A grey TGA with a colour map, which Pillow 9.4 leaves half-converted (mode "L", core image "P"): decoded, sieve
    # gives it as "P", which is what its convert("RGB") gives (the goldens hash it so, see golden()); untiled, tiled
    # without the 1536 step, and through it, which the reference refuses ("image has wrong mode").
    # Grey+alpha with a colour map: Python mode "LA", core image "PA" (putpalette); convert("RGB") looks the index
    # band up. Untiled, tiled without the 1536 step (crops keep the palette), and through the 1536 step, which the
    # reference cannot take (Image.resize converts "LA" to "La", which the "PA" core refuses).
    pa_idx, pa_pal = indices_and_palette(w, h, 40, 34)
    pa_map = b"".join(bytes([b, g, r]) for r, g, b in pa_pal)
    files["pa_colormap24.tga"] = (tga_header(w, h, 3, 16, 0x20, (0, 40, 24)) + pa_map
                                  + np.dstack([pa_idx, alpha]).astype(np.uint8).tobytes())
    files["l_colormap24_half_converted.tga"] = (tga_header(w, h, 1, 8, 0x20, (0, 40, 24)) + pa_map
                                                + pa_idx.astype(np.uint8).tobytes())
    yy, xx = np.mgrid[0:700, 0:900]
    files["l_colormap_rle_900x700_tiled_half_converted.tga"] = tga_header(900, 700, 9, 8, 0x20, (0, 40, 24)) + \
        pa_map + tga_rle([r.tobytes() for r in ((xx // 128 * 7 + yy // 16 * 3) % 40).astype(np.uint8)], 1)
    yy, xx = np.mgrid[0:700, 0:1600]
    files["refused_l_colormap_rle_1600x700_resized.tga"] = tga_header(1600, 700, 11, 8, 0x20, (0, 40, 24)) + pa_map + \
        tga_rle([r.tobytes() for r in ((xx // 128 * 7 + yy // 16 * 3) % 40).astype(np.uint8)], 1)
    for name, (bw, bh) in (("pa_colormap_rle_900x700_tiled.tga", (900, 700)),
                           ("refused_pa_colormap_rle_1600x700_resized.tga", (1600, 700))):
        # Blocks 128 pixels wide make long RLE runs: the files stay a few KB.
        yy, xx = np.mgrid[0:bh, 0:bw]
        band = np.dstack([(xx // 128 * 7 + yy // 16 * 3) % 40, (yy // 16 * 11) % 256]).astype(np.uint8)
        files[name] = tga_header(bw, bh, 11, 16, 0x20, (0, 40, 24)) + pa_map + tga_rle(
            [r.tobytes() for r in band], 2)
    bits1 = (np.array(Image.fromarray(img).convert("L")) > 128).astype(np.uint8)
    files["bilevel1.tga"] = tga_header(w, h, 3, 1, 0) + b"".join(r[:(w + 7) // 8] for r in pack_rows(bits1, 1))
    files["refused_bomb_65535x65535.tga"] = tga_header(65535, 65535, 2, 24, 0) + bytes(64)
    files["refused_rgb_depth_8.tga"] = tga_header(2, 2, 2, 8, 0) + bytes(4)
    files["refused_truncated.tga"] = files["pillow_rgb.tga"][:300]
    files["refused_rle_run_over_row.tga"] = tga_header(4, 2, 10, 24, 0) + bytes([0x80 | 5, 1, 2, 3]) + bytes(
        [0x81, 1, 2, 3])
    files["refused_colormap32.tga"] = tga_header(2, 2, 1, 8, 0, (0, 2, 32)) + bytes(8) + bytes([0, 1, 1, 0])
    files["refused_depth_15.tga"] = tga_header(2, 2, 2, 15, 0) + bytes(8)
    return files


# ---------------------------------------------------------------- PNG and GIF edges

def png_chunk(kind, data, crc=None):
    c = zlib.crc32(kind + data) & 0xFFFFFFFF if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", c)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_row_bytes(samples, bits):
    """One row of samples (ints, channels interleaved) packed big-endian at `bits` per sample."""
    if bits == 16:
        return b"".join(struct.pack(">H", int(v)) for v in samples)
    if bits == 8:
        return bytes(int(v) for v in samples)
    return pack_rows([samples], bits)[0][:(len(samples) * bits + 7) // 8]


def png_filter(rows, bpp):
    """Each row filtered as the PNG specification says, the filter type cycling 0..4 (zeros above the first)."""
    out = b""
    prev = bytes(len(rows[0])) if rows else b""
    for y, row in enumerate(rows):
        ftype = y % 5
        f = bytearray([ftype])
        for i, cur in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 0:
                pred = 0
            elif ftype == 1:
                pred = a
            elif ftype == 2:
                pred = b
            elif ftype == 3:
                pred = (a + b) // 2
            else:
                pp = a + b - c
                pa, pb, pc = abs(pp - a), abs(pp - b), abs(pp - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            f.append((cur - pred) & 0xFF)
        out += bytes(f)
        prev = row
    return out


def png_raw_data(samples, bits, interlace):
    """The filtered image data (before deflate) of an h x w x channels array, Adam7 passes when interlaced."""
    h, w, ch = samples.shape
    bpp = max(1, ch * bits // 8)
    if not interlace:
        return png_filter([png_row_bytes(samples[y].reshape(-1), bits) for y in range(h)], bpp)
    out = b""
    for x0, y0, dx, dy in ADAM7:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] and sub.shape[1]:
            out += png_filter([png_row_bytes(r.reshape(-1), bits) for r in sub], bpp)
    return out


def png_file(samples, bits, colour_type, interlace=False, before=b"", after=b"", data=None, size=None):
    """A PNG written by hand: IHDR (the samples' size unless `size`), `before` (PLTE, tRNS, acTL...), one IDAT,
    `after`, IEND."""
    h, w = samples.shape[:2]
    data = data if data is not None else zlib.compress(png_raw_data(samples, bits, interlace), 9)
    if size:
        w, h = size
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bits, colour_type, 0, 0,
                                                                   1 if interlace else 0))
            + before + png_chunk(b"IDAT", data) + after + png_chunk(b"IEND", b""))


def png_layouts(w, h):
    """Sample arrays for every (bit depth, colour type) Pillow 9.4 opens, and the PLTE for the palette ones."""
    img = rgb(w, h, 48)
    grey = np.array(Image.fromarray(img).convert("L")).astype(np.int64)
    a = goldens.alpha(w, h).astype(np.int64)
    wide = img.astype(np.int64) * 256 + np.arange(w)[None, :, None] % 251   # low bytes that are not the high ones
    grey16 = grey * 256 + (np.arange(h)[:, None] * 7 + np.arange(w)[None, :]) % 256
    a16 = a * 256 + 3
    out = {}
    for bits in (1, 2, 4, 8, 16):
        out[f"grey{bits}"] = ((grey16 if bits == 16 else grey >> (8 - bits))[:, :, None], bits, 0, b"")
    out["rgb16"] = (wide, 16, 2, b"")
    out["la8"] = (np.dstack([grey, a]), 8, 4, b"")
    out["la16"] = (np.dstack([grey16, a16]), 16, 4, b"")
    out["rgba8"] = (np.dstack([img, a]), 8, 6, b"")
    out["rgba16"] = (np.dstack([wide, a16]), 16, 6, b"")
    for bits in (1, 2, 4, 8):
        idx, pal = indices_and_palette(w, h, 1 << bits if bits < 8 else 200, 49 + bits)
        plte = png_chunk(b"PLTE", b"".join(bytes(p) for p in pal))
        out[f"palette{bits}"] = (idx[:, :, None].astype(np.int64), bits, 3, plte)
    return out


def make_png(d):
    w, h = 41, 27
    img = rgb(w, h, 41)
    alpha = goldens.alpha(w, h)
    files = {}
    src = os.path.join(d, "_src.png")
    Image.fromarray(img).save(src)
    files["interlaced_rgb.png"] = magick(src, "-interlace", "PNG", "PNG24:-")
    Image.fromarray(np.dstack([img, alpha])).save(src)
    files["interlaced_rgba16.png"] = magick(src, "-interlace", "PNG", "-depth", "16", "PNG64:-")
    files["interlaced_palette.png"] = magick(src, "-interlace", "PNG", "-colors", "30", "PNG8:-")
    os.remove(src)
    grey = np.array(Image.fromarray(img).convert("L"))
    for bits in (1, 2, 4):
        levels = (grey >> (8 - bits)).astype(np.uint8)
        rows = pack_rows(levels, bits)
        stride = (w * bits + 7) // 8
        raw = b"".join(b"\0" + r[:stride] for r in rows)
        files[f"grey{bits}.png"] = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bits, 0, 0, 0, 0))
                                    + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))
    im = palette_image(w, h, 16, 42)
    b = io.BytesIO()
    im.save(b, "PNG", bits=4, transparency=bytes([0, 128, 255] + [255] * 13))
    files["palette4_trns.png"] = b.getvalue()
    b = io.BytesIO()
    palette_image(w, h, 60, 43).save(b, "PNG", transparency=7)
    files["palette8_trns_index.png"] = b.getvalue()
    b = io.BytesIO()
    Image.fromarray(img).save(b, "PNG", transparency=(10, 20, 30))
    files["rgb_trns.png"] = b.getvalue()
    b = io.BytesIO()
    Image.fromarray(img).convert("1").save(b, "PNG")
    files["bilevel.png"] = b.getvalue()
    frames = [Image.fromarray(np.dstack([rgb(w, h, s), alpha])) for s in (44, 45, 46)]
    b = io.BytesIO()
    frames[0].save(b, "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)
    files["apng_rgba_3_frames.png"] = b.getvalue()
    b = io.BytesIO()
    frames[0].save(b, "PNG", save_all=True, append_images=frames[1:], default_image=True, duration=100)
    files["apng_default_image.png"] = b.getvalue()
    good = png_bytes(Image.fromarray(img))
    bad = bytearray(good)
    bad[29] ^= 0xFF   # the IHDR chunk's CRC (bytes 29..32)
    files["refused_ihdr_bad_crc.png"] = bytes(bad)
    bad = bytearray(png_bytes(palette_image(w, h, 30, 47)))
    bad[30] ^= 0x01
    files["refused_ihdr_bad_crc_palette.png"] = bytes(bad)
    # Every layout by hand, filter types cycling 0..4, plain and Adam7 (sieve decodes them all itself).
    for name, (samples, bits, ct, before) in png_layouts(w, h).items():
        files[f"layout_{name}.png"] = png_file(samples, bits, ct, before=before)
        files[f"layout_{name}_interlaced.png"] = png_file(samples, bits, ct, interlace=True, before=before)
    layouts = png_layouts(w, h)
    samples, bits, ct, plte = layouts["palette2"]
    files["layout_palette2_trns.png"] = png_file(samples, bits, ct, before=plte + png_chunk(b"tRNS", b"\x00\x80"))
    # tRNS on grey and RGB stays in info (the mode and pixels do not change); one too short for the mode's 16-bit
    # values is a struct.error while opening: not identified.
    for name, trns in (("grey1", b"\x00\x01"), ("grey2", b"\x00\x02"), ("grey16", b"\x01\x05"),
                       ("rgb16", struct.pack(">HHH", 1, 2, 3))):
        samples, bits, ct, before = layouts[name]
        files[f"layout_{name}_trns.png"] = png_file(samples, bits, ct, before=png_chunk(b"tRNS", trns))
    files["refused_rgb16_trns_of_2_bytes.png"] = png_file(*layouts["rgb16"][:3], before=png_chunk(b"tRNS", b"\0\1"))
    files["refused_grey8_trns_of_1_byte.png"] = png_file(*layouts["grey8"][:3], before=png_chunk(b"tRNS", b"\1"))
    # Interlaced images smaller than a pass's step: passes with no rows or no columns are skipped.
    for tw, th in ((1, 1), (3, 2), (5, 1), (2, 9)):
        files[f"interlaced_tiny_{tw}x{th}.png"] = png_file(layouts["rgba16"][0][:th, :tw], 16, 6, interlace=True)
        files[f"interlaced_tiny_{tw}x{th}_grey2.png"] = png_file(layouts["grey2"][0][:th, :tw], 2, 0,
                                                                 interlace=True)
    # Indices past a short PLTE look up the grey ramp; no PLTE at all is the ramp.
    samples = layouts["palette8"][0]
    files["palette8_short_plte.png"] = png_file(samples, 8, 3, before=png_chunk(b"PLTE", bytes(range(30, 60))))
    files["palette8_no_plte.png"] = png_file(samples, 8, 3)
    files["refused_palette8_plte_of_257.png"] = png_file(samples, 8, 3, before=png_chunk(b"PLTE", bytes(771)))
    # Pillow reads any chunks before IHDR (their CRCs checked); without an IHDR it identifies nothing.
    grey8 = png_file(*layouts["grey8"][:3])
    files["text_before_ihdr.png"] = grey8[:8] + png_chunk(b"tEXt", b"Comment\0first") + grey8[8:]
    files["refused_no_ihdr.png"] = grey8[:8] + grey8[33:]
    # An IDAT before the IHDR is skipped as an unknown chunk (chunk_IDAT fails on the rawmode no IHDR has set yet).
    files["idat_before_ihdr.png"] = grey8[:8] + png_chunk(b"IDAT", zlib.compress(b"\0" * 99)) + grey8[8:]
    # Damaged image data, as Pillow judges it.
    rgba, _, _, _ = layouts["rgba8"]
    good = png_file(rgba, 8, 6)
    idat = good.index(b"IDAT") - 4
    length = struct.unpack(">I", good[idat:idat + 4])[0]
    for delta in (4, 12, 1000, -1, -4, -200):
        dmg = bytearray(good)
        dmg[idat:idat + 4] = struct.pack(">I", length + delta)
        # Pillow reads what the length says: past the data into the CRC and IEND (the rows are done first), or less,
        # which is enough when the rows end before the checksum, else a chunk header read from inside the data.
        name = f"{'refused_' if delta == -200 else ''}idat_length_{'plus' if delta > 0 else 'minus'}_{abs(delta)}.png"
        files[name] = bytes(dmg)
    inter = png_file(rgba, 8, 6, interlace=True)
    files["refused_truncated_interlaced.png"] = inter[:len(inter) * 2 // 3]
    files["refused_truncated.png"] = good[:len(good) * 2 // 3]
    raw = png_raw_data(rgba, 8, False)
    files["stream_ends_after_a_row.png"] = png_file(np.zeros((h + 5, w, 4), np.int64), 8, 6, data=zlib.compress(raw))
    bad_filter = bytearray(raw)
    bad_filter[(w * 4 + 1) * 5] = 7
    files["refused_unknown_filter_type.png"] = png_file(rgba, 8, 6, data=zlib.compress(bytes(bad_filter)))
    stream = bytearray(zlib.compress(raw))
    stream[-1] ^= 1
    files["refused_bad_adler.png"] = png_file(rgba, 8, 6, data=bytes(stream))
    split = png_file(rgba, 8, 6, data=bytes(stream[:-4]), after=png_chunk(b"IDAT", bytes(stream[-4:])))
    files["bad_adler_in_its_own_idat.png"] = split
    files["refused_gama_of_1_byte_after_idat.png"] = png_file(rgba, 8, 6, after=png_chunk(b"gAMA", b"\x01"))
    files["refused_text_cut_after_idat.png"] = png_file(rgba, 8, 6)[:-12] + struct.pack(">I", 50) + b"tEXta"
    files["refused_idat_then_iend_only.png"] = png_file(rgba, 8, 6)[:idat] + png_chunk(b"IEND", b"")
    # An APNG whose first frame (the IDAT) covers a box: Pillow decodes it there, the rest black; interlaced, the box's
    # rows and columns are written from the top-left corner (ZipDecode ignores the tile's offset).
    box = rgba[:10, :20]
    actl = png_chunk(b"acTL", struct.pack(">II", 1, 0))
    fctl = png_chunk(b"fcTL", struct.pack(">IIIIIHHBB", 0, 20, 10, 5, 3, 1, 10, 0, 0))
    for il in (False, True):
        files[f"apng_first_frame_in_a_box{'_interlaced' if il else ''}.png"] = png_file(
            box, 8, 6, interlace=il, before=actl + fctl, size=(w, h))
    # A second IHDR after the fcTL shrinks the image under the box: the decoder's setimage refuses the tile.
    files["refused_apng_box_outside_a_later_ihdr.png"] = png_file(
        box, 8, 6, before=actl + fctl + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 12, 8, 8, 6, 0, 0, 0)),
        size=(w, h))
    return files


def gif_bytes(screen_w, screen_h, frame_w, frame_h, x, y, idx, palette, transparency=None, interlace=False,
              background=0, local_palette=None):
    """One-frame GIF written by hand: logical screen, global palette, optional GCE, image descriptor, LZW data."""
    bits = max(1, (len(palette) - 1).bit_length())
    pal = b"".join(bytes(p) for p in palette) + b"\0" * (3 * ((1 << bits) - len(palette)))
    out = b"GIF89a" + struct.pack("<HHBBB", screen_w, screen_h, 0x80 | (bits - 1), background, 0) + pal
    if transparency is not None:
        out += b"!\xf9\x04" + bytes([1]) + struct.pack("<H", 0) + bytes([transparency]) + b"\0"
    flags = 0x40 if interlace else 0
    lpal = b""
    lbits = bits
    if local_palette is not None:
        lbits = max(1, (len(local_palette) - 1).bit_length())
        flags |= 0x80 | (lbits - 1)
        lpal = b"".join(bytes(p) for p in local_palette) + b"\0" * (3 * ((1 << lbits) - len(local_palette)))
    out += b"," + struct.pack("<HHHHB", x, y, frame_w, frame_h, flags) + lpal
    rows = idx
    if interlace:
        order = list(range(0, frame_h, 8)) + list(range(4, frame_h, 8)) + list(range(2, frame_h, 4)) + list(
            range(1, frame_h, 2))
        rows = idx[order]
    min_code = max(2, lbits if local_palette is not None else bits)
    out += bytes([min_code]) + lzw_blocks(rows.flatten().tolist(), min_code)
    return out + b";"


def lzw_blocks(data, min_code):
    """Uncompressed-style LZW (a clear code every few symbols keeps the code size fixed), in sub-blocks."""
    clear, end = 1 << min_code, (1 << min_code) + 1
    size = min_code + 1
    codes = []
    for i, v in enumerate(data):
        if i % ((1 << min_code) - 2) == 0:
            codes.append(clear)
        codes.append(v)
    codes.append(end)
    return sub_blocks(lzw_bytes(codes, size)) + b"\0"


def make_gif(d):
    files = {}
    idx, pal = indices_and_palette(20, 12, 16, 51)
    files["frame_inside_screen.gif"] = gif_bytes(40, 30, 20, 12, 7, 9, idx, pal)
    files["frame_inside_screen_transparent.gif"] = gif_bytes(40, 30, 20, 12, 3, 2, idx, pal, transparency=5)
    files["frame_past_screen.gif"] = gif_bytes(16, 10, 20, 12, 4, 3, idx, pal)
    files["interlaced_frame.gif"] = gif_bytes(20, 12, 20, 12, 0, 0, idx, pal, interlace=True)
    files["grey_identity_palette.gif"] = gif_bytes(20, 12, 20, 12, 0, 0, idx, [(i, i, i) for i in range(16)])
    files["local_palette.gif"] = gif_bytes(20, 12, 20, 12, 0, 0, idx, [(1, 2, 3)] * 2, local_palette=pal)
    files["refused_screen_65535x65535.gif"] = gif_bytes(65535, 65535, 20, 12, 0, 0, idx, pal)
    files["refused_frame_grows_screen_past_limit.gif"] = gif_bytes(8, 8, 20, 12, 65000, 65000, idx, pal)
    # A grey-ramp local table over a global one that is not: Pillow leaves it half-converted (mode "L", core "P"),
    # and its 1536 step then fails ("image has wrong mode"). Untiled, sieve's "P" gives what convert("RGB") gives.
    files["local_ramp_over_global_half_converted.gif"] = gif_bytes(
        20, 12, 20, 12, 0, 0, idx, pal, local_palette=[(i, i, i) for i in range(16)])
    files["refused_local_ramp_over_global_1600x700_resized.gif"] = gif_bytes(
        1600, 700, 20, 12, 7, 9, idx, pal, local_palette=[(i, i, i) for i in range(16)])
    files.update(damaged_gifs(idx, pal))
    return files


def gif_frame(screen_w, screen_h, palette, x, y, w, h, min_code, data, between=b""):
    """A GIF whose image data is given as it stands in the file (sub-blocks, terminator and what follows)."""
    pal = b"".join(bytes(p) for p in palette)
    bits = (len(palette) - 1).bit_length()
    return (b"GIF89a" + struct.pack("<HHBBB", screen_w, screen_h, 0x80 | (bits - 1), 0, 0) + pal + between
            + b"," + struct.pack("<HHHHB", x, y, w, h, 0) + bytes([min_code]) + data)


def lzw_bytes(codes, size):
    """Codes at a fixed size, packed as GIF packs them (least significant bit first), no sub-blocks."""
    acc = nbits = 0
    out = bytearray()
    for c in codes:
        acc |= c << nbits
        nbits += size
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    return bytes(out + (bytes([acc]) if nbits else b""))


def sub_blocks(data):
    return b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255))


def literal_codes(values, min_code):
    """A clear code every few literals keeps the code size at min_code + 1 (as lzw_blocks)."""
    clear = 1 << min_code
    codes = []
    for i, v in enumerate(values):
        if i % (clear - 2) == 0:
            codes.append(clear)
        codes.append(v)
    return codes


def damaged_gifs(idx, pal):
    """Damaged data Pillow's GIF decoder reads its own way (ImageIO, sieve's decoder before 2026-12, did not)."""
    values = idx.flatten().tolist()
    whole = lzw_bytes(literal_codes(values, 4) + [17], 5)
    half = len(whole) // 2
    files = {
        # a byte that starts no block is skipped while looking for the image descriptor
        "stray_bytes_between_blocks.gif": gif_frame(40, 30, pal, 7, 9, 20, 12, 4, sub_blocks(whole) + b"\0;",
                                                    between=b"\x0d\x76\x00"),
        # the decoder does not stop at the zero-length block: the codes after it still fill the frame
        "codes_past_block_terminator.gif": gif_frame(40, 30, pal, 7, 9, 20, 12, 4, sub_blocks(whole[:half]) + b"\0"
                                                     + sub_blocks(whole[half:]) + b"\0;"),
        # literals of a 9-bit code size are stored in a byte: 256 + i draws index i
        "lzw_code_size_9.gif": gif_frame(20, 12, pal, 0, 0, 20, 12, 9, sub_blocks(lzw_bytes(
            literal_codes([v + 256 * (i % 2) for i, v in enumerate(values)], 9) + [513], 10)) + b"\0;"),
        # width 0 at the origin: Pillow's decoder takes the extent (0, 0, 0, h) for the whole screen
        "zero_width_frame_at_origin.gif": gif_frame(24, 10, pal, 0, 0, 0, 6, 4, sub_blocks(lzw_bytes(
            literal_codes([(3 * i + i // 24) % 16 for i in range(240)], 4) + [17], 5)) + b"\0;"),
        # the end code comes 40 pixels early: "image file is truncated", where ImageIO filled the rest
        "refused_end_code_before_last_pixel.gif": gif_frame(40, 30, pal, 7, 9, 20, 12, 4, sub_blocks(lzw_bytes(
            literal_codes(values[:200], 4) + [17], 5)) + b"\0;"),
        # a code past the next free table entry: "broken data stream"
        "refused_code_past_table.gif": gif_frame(40, 30, pal, 7, 9, 20, 12, 4, sub_blocks(lzw_bytes(
            [16, 3, 5, 30, 17], 5)) + b"\0;"),
        # a code size over 12 is refused when the decoder starts
        "refused_lzw_code_size_13.gif": gif_frame(40, 30, pal, 7, 9, 20, 12, 13, sub_blocks(whole) + b"\0;"),
        # the frame grows the screen past the bomb limit; Pillow checks before it reads on, so the cut does not matter
        "refused_frame_grows_screen_past_limit_then_cut.gif": gif_frame(8, 8, pal, 65000, 65000, 20, 12, 4,
                                                                        b"")[:-1],
        # a graphic control block of 2 bytes: Pillow's parser fails (struct.error), the file is not identified
        "refused_graphic_control_block_of_2_bytes.gif": gif_frame(40, 30, pal, 7, 9, 20, 12, 4,
                                                                  sub_blocks(whole) + b"\0;",
                                                                  between=b"!\xf9\x02\x00\x00\x00"),
    }
    return files


# ---------------------------------------------------------------- goldens

def code_for(e):
    """The FailureCode sieve gives where Pillow 9.4 fails this way."""
    name = type(e).__name__
    if name == "UnidentifiedImageError":
        return "NOT_AN_IMAGE"
    if name == "DecompressionBombError":
        return "TOO_MANY_PIXELS"
    if str(e).startswith(("Unsupported", "conversion from", "image has wrong mode")):
        return "UNSUPPORTED_FORMAT"
    return "CORRUPT_IMAGE"


def golden(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            im = Image.open(path)
            im.load()
            out = preprocess.prepare(im, tiling=True, whole=True)
        except Exception as e:  # noqa: BLE001 - every failure is a refusal to record
            return {"refused": code_for(e), "pillow": f"{type(e).__name__}: {e}"}
    tiles = preprocess.tiles(im, True)
    crops = [{"tile": goldens.sha(core_bytes(t)), "rgb": goldens.sha(c),
              "values": goldens.sha(v.astype("<f4"))} for t, c, v in zip(tiles, out["rgb"], out["pixel_values"])]
    # The core's mode: where Pillow leaves the two apart (a colour-mapped TGA), it is what the pixels are.
    return {"mode": im.im.mode, "pillowFormat": im.format, "width": im.size[0], "height": im.size[1],
            "decoded": goldens.sha(core_bytes(im)), "crops": crops}


def core_bytes(im):
    """The pixels as sieve holds them: by the core image's mode where Pillow leaves the Python mode apart from it (a
    half-converted "L" whose core is "P" is what its convert("RGB") gives, through the core's palette)."""
    if im.im.mode == "P" and im.mode != "P":
        return np.array(im.convert("RGB"))
    return goldens.decoded_bytes(im)


def main():
    makers = {"bmp": make_bmp, "ico": make_ico, "pnm": make_pnm, "tga": make_tga, "png": make_png, "gif": make_gif}
    total = 0
    for folder, maker in makers.items():
        d = os.path.join(OUT, folder)
        os.makedirs(d, exist_ok=True)
        for stale in os.listdir(d):   # this script owns these folders: a renamed case leaves no orphan
            os.remove(os.path.join(d, stale))
        cases = []
        for name, data in sorted(maker(d).items()):
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(data)
            total += len(data)
            case = {"file": name, **golden(path)}
            expect_refused = name.startswith("refused_")
            assert expect_refused == ("refused" in case), (name, case)
            cases.append(case)
            print(folder, name, case.get("mode") or case["pillow"], len(data))
        with open(os.path.join(d, "cases.json"), "w") as f:
            json.dump({"generator": "scripts/reference/make_format_corpus_raster.py", "cases": cases}, f, indent=1)
    print("total bytes", total)


if __name__ == "__main__":
    main()
