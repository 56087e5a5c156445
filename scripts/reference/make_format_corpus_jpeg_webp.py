#!/usr/bin/python3
"""Makes the JPEG, WebP and not-opened-by-Pillow part of the format corpus, with Pillow 9.4's answer for each file.

    /usr/bin/python3 scripts/reference/make_format_corpus_jpeg_webp.py

Writes small files under worker/src/test/resources/formats/{jpeg,webp,unsupported}/ and
formats/jpeg-webp.json. Tools: Pillow, Debian's webp (cwebp, img2webp, webpmux), libjpeg-turbo-progs (cjpeg, jpegtran:
arithmetic coding, progressive, 4:4:0, RGB and restart markers, which Pillow cannot write), libturbojpeg0 through ctypes
(a YCCK JPEG), ImageMagick (AVIF, HEIC), libjxl-tools (cjxl) and Ghostscript's ICC profiles.

Each entry is either decoded — as in make_image_goldens.py: the sha256 of the decoded pixels in Pillow's mode, then per
crop the tile, the uint8 RGB crop and the float32 CLIP input — or refused: the exception Pillow 9.4 raises from
Image.open + load and the FailureCode sieve must give for it (UnidentifiedImageError -> NOT_AN_IMAGE, or
UNSUPPORTED_FORMAT naming the format for AVIF, HEIC, JPEG XL, SVG, JPEG 2000's container; DecompressionBombError ->
TOO_MANY_PIXELS; any other error -> CORRUPT_IMAGE). Every file is checked here against what Pillow does: a case whose
Pillow outcome is not what its row says stops the script.
"""
import ctypes
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import preprocess  # noqa: E402
from make_image_goldens import alpha, content, decoded_bytes, sha  # noqa: E402

OUT = "worker/src/test/resources/formats"
ICC = "/usr/share/ghostscript/10.00.0/iccprofiles/a98.icc"
W, H = 203, 151          # odd sizes: chroma upsampling and WebP's 2x2 UV blocks at the edges


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rgb_image(w=W, h=H, seed=1):
    return Image.fromarray(content(w, h, seed), "RGB")


def rgba_image(w=W, h=H, seed=2):
    return Image.fromarray(np.dstack([content(w, h, seed), alpha(w, h)]), "RGBA")


# ---------------------------------------------------------------- JPEG


def tj_compress_cmyk(cmyk, quality=85):
    """A YCCK JPEG: TurboJPEG encodes CMYK input as YCCK (Adobe transform 2), which Pillow cannot write."""
    tj = ctypes.CDLL("libturbojpeg.so.0")
    tj.tjInitCompress.restype = ctypes.c_void_p
    handle = tj.tjInitCompress()
    src = np.ascontiguousarray(np.array(cmyk))
    buf = ctypes.POINTER(ctypes.c_ubyte)()
    size = ctypes.c_ulong(0)
    tj.tjCompress2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                               ctypes.c_int, ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte)),
                               ctypes.POINTER(ctypes.c_ulong), ctypes.c_int, ctypes.c_int, ctypes.c_int]
    TJPF_CMYK, TJSAMP_420 = 11, 2
    if tj.tjCompress2(ctypes.c_void_p(handle), src.tobytes(), src.shape[1], 0, src.shape[0], TJPF_CMYK,
                      ctypes.byref(buf), ctypes.byref(size), TJSAMP_420, quality, 0) != 0:
        raise RuntimeError("tjCompress2 failed")
    data = ctypes.string_at(buf, size.value)
    tj.tjFree(buf)
    tj.tjDestroy(ctypes.c_void_p(handle))
    return data


def segments(jpeg):
    """(offset, marker, length) of the marker segments before the first scan."""
    at = 2
    while at + 4 <= len(jpeg):
        marker = jpeg[at + 1]
        length = struct.unpack(">H", jpeg[at + 2:at + 4])[0]
        yield at, marker, length
        if marker == 0xDA:
            return
        at += 2 + length


def without_app14(jpeg):
    for at, marker, length in segments(jpeg):
        if marker == 0xEE:
            return jpeg[:at] + jpeg[at + 2 + length:]
    raise ValueError("no APP14")


def patch_sof(jpeg, offset, value):
    """Sets one byte of the frame header (offset 4: precision, 9: component count) without touching the rest."""
    for at, marker, _ in segments(jpeg):
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return jpeg[:at + offset] + bytes([value]) + jpeg[at + offset + 1:]
    raise ValueError("no SOF")


def jpeg_cases(tmp):
    base = os.path.join(tmp, "base.jpg")
    rgb_image().save(base, quality=85)
    ppm = os.path.join(tmp, "base.ppm")
    rgb_image(seed=3).save(ppm)

    def pil(**kw):
        out = io.BytesIO()
        (kw.pop("image", None) or rgb_image()).save(out, "JPEG", **kw)
        return out.getvalue()

    def tool(*args, src=base):
        out = os.path.join(tmp, "out.jpg")
        run(*args, "-outfile", out, src)
        return open(out, "rb").read()

    exif = Image.Exif()
    exif[0x0112] = 6      # rotate 90 clockwise to display; Image.open does not apply it, nor does the reference
    baseline = open(base, "rb").read()
    cmyk = rgb_image(seed=4).convert("CMYK")
    yield "baseline_420.jpg", baseline, None
    yield "icc_adobe_rgb.jpg", pil(quality=85, icc_profile=open(ICC, "rb").read()), None
    yield "progressive.jpg", tool("jpegtran", "-progressive"), None
    yield "arithmetic.jpg", tool("jpegtran", "-arithmetic"), None
    yield "arithmetic_progressive.jpg", tool("jpegtran", "-arithmetic", "-progressive"), None
    yield "exif_orientation_6.jpg", pil(quality=85, exif=exif.tobytes()), None
    yield "grey.jpg", pil(image=rgb_image(seed=5).convert("L"), quality=85), None
    yield "subsampling_440.jpg", tool("cjpeg", "-quality", "85", "-sample", "1x2", src=ppm), None
    yield "subsampling_411.jpg", tool("cjpeg", "-quality", "85", "-sample", "4x1", src=ppm), None
    yield "rgb_no_ycbcr.jpg", tool("cjpeg", "-quality", "90", "-rgb", src=ppm), None
    yield "restart_every_row.jpg", tool("cjpeg", "-quality", "85", "-restart", "1", src=ppm), None
    yield "cmyk_adobe.jpg", pil(image=cmyk, quality=85), None
    yield "cmyk_no_adobe.jpg", without_app14(pil(image=cmyk, quality=85)), None
    ycck = tj_compress_cmyk(cmyk)
    assert any(m == 0xEE and ycck[a + 15] == 2 for a, m, _ in segments(ycck)), "YCCK: Adobe transform 2"
    yield "ycck_adobe.jpg", ycck, None
    # libjpeg warns ("extraneous bytes before marker") and decodes; Pillow ignores libjpeg's warnings.
    yield "extraneous_bytes_before_eoi.jpg", baseline[:-2] + b"\x00\x17\x2a" + baseline[-2:], None
    sos = baseline.index(b"\xff\xda")
    # A stray restart marker mid-scan: libjpeg warns, resynchronises and decodes; Pillow ignores the warning.
    yield "stray_restart_marker.jpg", baseline[:sos + 2000] + b"\xff\xd3" + baseline[sos + 2002:], None
    yield "truncated.jpg", baseline[:len(baseline) * 2 // 3], "CORRUPT_IMAGE"
    # Every scan byte present, only the EOI marker missing: Pillow still calls it truncated.
    yield "missing_eoi.jpg", baseline[:-2], "CORRUPT_IMAGE"
    garbled = bytes(x ^ 0x5A for x in baseline[sos + 3000:sos + 3040])
    yield "broken_scan_data.jpg", baseline[:sos + 3000] + garbled + baseline[sos + 3040:], "CORRUPT_IMAGE"
    yield "precision_12.jpg", patch_sof(baseline, 4, 12), "NOT_AN_IMAGE"
    yield "two_components.jpg", patch_sof(baseline, 9, 2), "NOT_AN_IMAGE"
    yield "frame_width_0.jpg", patch_sof(patch_sof(baseline, 7, 0), 8, 0), "NOT_AN_IMAGE"
    sof = next(at for at, m, _ in segments(baseline) if m == 0xC0)
    sof_end = sof + 2 + struct.unpack(">H", baseline[sof + 2:sof + 4])[0]
    yield "no_frame_header.jpg", baseline[:sof] + baseline[sof_end:], "NOT_AN_IMAGE"
    # Cut at a segment boundary before the scan: Pillow's marker loop runs out (IndexError), "cannot identify".
    yield "ends_before_scan.jpg", baseline[:sos], "NOT_AN_IMAGE"
    # Cut inside a segment before the scan: Pillow's read of the segment comes up short ("Truncated File Read").
    yield "ends_inside_header_segment.jpg", baseline[:sof + 6], "CORRUPT_IMAGE"


# ---------------------------------------------------------------- WebP


def webp_cases(tmp):
    png = os.path.join(tmp, "rgb.png")
    rgb_image(seed=6).save(png)
    png_a = os.path.join(tmp, "rgba.png")
    rgba_image(seed=7).save(png_a)
    small = os.path.join(tmp, "small.png")
    rgb_image(120, 90, seed=8).save(small)
    small_a = os.path.join(tmp, "small_a.png")
    rgba_image(120, 90, seed=9).save(small_a)

    def cwebp(src, *args):
        out = os.path.join(tmp, "out.webp")
        run("cwebp", "-quiet", *args, src, "-o", out)
        return open(out, "rb").read()

    def frame(src, *args):
        out = os.path.join(tmp, os.path.basename(src) + "".join(args) + ".webp")
        run("cwebp", "-quiet", *args, src, "-o", out)
        return out

    def mux(*frames):
        out = os.path.join(tmp, "anim.webp")
        args = []
        for f, spec in frames:
            args += ["-frame", f, spec]
        run("webpmux", *args, "-loop", "0", "-bgcolor", "255,200,100,255", "-o", out)
        return open(out, "rb").read()

    lossy = cwebp(png, "-q", "75")
    yield "lossy.webp", lossy, None
    yield "lossy_sharp_yuv_q30.webp", cwebp(png, "-q", "30", "-sharp_yuv"), None
    yield "lossless.webp", cwebp(png, "-lossless"), None
    yield "lossy_alpha.webp", cwebp(png_a, "-q", "75"), None
    yield "lossless_alpha.webp", cwebp(png_a, "-lossless"), None
    yield "lossless_alpha_exact.webp", cwebp(png_a, "-lossless", "-exact"), None
    # First frame smaller than the canvas, at an offset: WebPAnimDecoder composes it onto transparent black (the
    # background colour is only a hint). Without an alpha frame the file's mode is RGB, so the margin is black.
    full = frame(png, "-q", "80")
    anim_opaque = mux((frame(small, "-q", "80"), "+100+20+10+0-b"), (full, "+100+0+0+1+b"))
    yield "animated_first_frame_offset.webp", anim_opaque, None
    anim_alpha = mux((frame(small_a, "-q", "80"), "+100+20+10+0+b"), (frame(png_a, "-lossless"), "+100+0+0+0+b"))
    yield "animated_alpha_first_frame_offset.webp", anim_alpha, None
    out = os.path.join(tmp, "img2webp.webp")
    run("img2webp", "-loop", "0", "-lossy", "-q", "70", png_a, "-lossless", png, "-o", out)
    yield "animated_img2webp.webp", open(out, "rb").read(), None
    pil_anim = io.BytesIO()
    rgba_image(seed=10).save(pil_anim, "WEBP", save_all=True, append_images=[rgba_image(seed=11)], quality=70)
    yield "animated_pillow.webp", pil_anim.getvalue(), None

    yield "truncated.webp", lossy[:len(lossy) // 2], "CORRUPT_IMAGE"
    # RIFF size claims more than the file holds.
    yield "riff_size_too_large.webp", lossy[:4] + struct.pack("<I", len(lossy) * 4) + lossy[8:], "CORRUPT_IMAGE"
    # A chunk Pillow's WebP plugin does not accept as the first one: no plugin identifies the file.
    yield "first_chunk_vp9.webp", lossy[:12] + b"VP9 " + lossy[16:], "NOT_AN_IMAGE"
    # Animated, canvas 16384x16384 (268 megapixels) around small frames: Pillow's bomb check refuses it.
    assert anim_opaque[12:16] == b"VP8X"
    big = anim_opaque[:24] + struct.pack("<I", 16383)[:3] + struct.pack("<I", 16383)[:3] + anim_opaque[30:]
    yield "animated_canvas_16384x16384.webp", big, "TOO_MANY_PIXELS"
    # The largest canvas libwebp demuxes (just under 2^32 pixels): WebPAnimDecoder callocs two 16 GiB canvases, which
    # Linux grants lazily where RAM and swap exceed 16 GiB, and then the bomb check refuses it. With less memory
    # Pillow would say "could not create decoder object"; sieve never allocates it.
    huge = anim_opaque[:24] + struct.pack("<I", 65534)[:3] + struct.pack("<I", 65534)[:3] + anim_opaque[30:]
    yield "animated_canvas_65535x65535.webp", huge, "TOO_MANY_PIXELS"
    # 2^32 pixels: libwebp's demuxer refuses the canvas ("could not create decoder object").
    area = anim_opaque[:24] + struct.pack("<I", (1 << 24) - 1)[:3] + struct.pack("<I", 255)[:3] + anim_opaque[30:]
    yield "animated_canvas_16777216x256.webp", area, "CORRUPT_IMAGE"
    # A still image whose VP8X canvas disagrees with its bitstream.
    still_x = cwebp(png_a, "-q", "75")
    assert still_x[12:16] == b"VP8X"
    yield "still_canvas_mismatch.webp", still_x[:24] + struct.pack("<I", W)[:3] + still_x[27:], "CORRUPT_IMAGE"


# ---------------------------------------------------------------- formats Pillow 9.4 does not open


def unsupported_cases(tmp):
    png = os.path.join(tmp, "u.png")
    rgb_image(64, 48, seed=12).save(png)

    def convert(ext):
        out = os.path.join(tmp, "u." + ext)
        run("convert", png, "-quality", "50", out)
        return open(out, "rb").read()

    out = os.path.join(tmp, "u.jxl")
    run("cjxl", png, out, "-d", "2")
    jxl = open(out, "rb").read()
    svg = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">'
           b'<rect width="64" height="48" fill="#c83"/></svg>\n')
    yield "avif.avif", convert("avif"), "UNSUPPORTED_FORMAT"
    yield "heic.heic", convert("heic"), "UNSUPPORTED_FORMAT"
    yield "jpeg_xl_codestream.jxl", jxl, "UNSUPPORTED_FORMAT"
    # The ISO BMFF container form of JPEG XL: signature box, then the codestream in a jxlc box.
    container = (struct.pack(">I", 12) + b"JXL \r\n\x87\n" + struct.pack(">I", 20) + b"ftypjxl \x00\x00\x00\x00jxl "
                 + struct.pack(">I", 8 + len(jxl)) + b"jxlc" + jxl)
    yield "jpeg_xl_container.jxl", container, "UNSUPPORTED_FORMAT"
    yield "svg.svg", svg, "UNSUPPORTED_FORMAT"
    yield "svg_no_xml_declaration.svg", svg[svg.index(b"<svg"):], "UNSUPPORTED_FORMAT"
    yield "svgz.svgz", gzip.compress(svg, mtime=0), "UNSUPPORTED_FORMAT"


# ---------------------------------------------------------------- goldens


def pillow_outcome(path):
    """("decoded", image) or ("refused", "ExceptionClass: message") as Image.open + load give it."""
    try:
        im = Image.open(path)
        im.load()
        return "decoded", im
    except Exception as e:  # noqa: BLE001 - every failure of the reference is an outcome here
        return "refused", f"{type(e).__name__}: {e}"


def code_for(pillow_error):
    if pillow_error.startswith("UnidentifiedImageError"):
        return "NOT_AN_IMAGE"
    if pillow_error.startswith("DecompressionBombError"):
        return "TOO_MANY_PIXELS"
    return "CORRUPT_IMAGE"


def golden(family, name, path, expect):
    outcome, result = pillow_outcome(path)
    entry = {"file": os.path.relpath(path, OUT), "family": family}
    if outcome == "refused":
        code = code_for(result)
        want = expect if family != "unsupported" else "NOT_AN_IMAGE"
        assert code == want, (name, result)
        entry["refused"] = {"code": expect, "pillow": result}
        return entry
    assert expect is None, (name, "Pillow decodes it", result.mode)
    im = result
    out = preprocess.prepare(im, tiling=True, whole=True)
    tiles = preprocess.tiles(im, True)
    entry.update({"mode": im.mode, "width": im.size[0], "height": im.size[1], "decoded": sha(decoded_bytes(im)),
                  "crops": [{"tile": sha(decoded_bytes(t)), "rgb": sha(c), "values": sha(v.astype("<f4"))}
                            for t, c, v in zip(tiles, out["rgb"], out["pixel_values"])]})
    return entry


def main():
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for family, cases in (("jpeg", jpeg_cases), ("webp", webp_cases), ("unsupported", unsupported_cases)):
            folder = os.path.join(OUT, family)
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            for name, data, expect in cases(tmp):
                path = os.path.join(folder, name)
                with open(path, "wb") as f:
                    f.write(data)
                entry = golden(family, name, path, expect)
                entries.append(entry)
                what = entry["refused"]["pillow"] if "refused" in entry else f"{entry['mode']} {entry['width']}x{entry['height']}"
                print(f"{family}/{name}: {len(data)} bytes, {what}")
    with open(os.path.join(OUT, "jpeg-webp.json"), "w") as f:
        json.dump({"generator": "scripts/reference/make_format_corpus_jpeg_webp.py", "cases": entries}, f, indent=1)


if __name__ == "__main__":
    main()
