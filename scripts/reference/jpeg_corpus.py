#!/usr/bin/python3
"""Builds a JPEG corpus and Pillow's decoding of it, to measure sieve's JPEG decoder against Pillow's libjpeg-turbo.

    /usr/bin/python3 scripts/reference/jpeg_corpus.py OUT_DIR [EXTRA.jpg ...]
    mvn -B -o test -pl worker -Dtest=JpegFidelityMeasurement -Dsieve.jpegCorpus=OUT_DIR

Writes OUT_DIR/<name>.jpg, OUT_DIR/<name>.rgb (Pillow 9.4: Image.open(f).convert("RGB"), raw bytes, row-major)
and OUT_DIR/manifest.json [{"file", "width", "height", "mode", "how"}]. Generated files cover qualities 30..100,
chroma subsampling 4:4:4 / 4:2:2 / 4:2:0, progressive, optimised Huffman tables, restart intervals (with cjpeg from
Debian's libjpeg-turbo-progs, when installed: Pillow 9.4 cannot write them), greyscale and CMYK (Adobe), odd sizes;
content is the golden cases' synthetic pattern and the sample photos. EXTRA files (any JPEGs found on the machine)
are copied in as they are.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_image_goldens import content  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def sources():
    yield "pattern", Image.fromarray(content(1023, 767, seed=5), "RGB")
    yield "pattern-small", Image.fromarray(content(333, 501, seed=6), "RGB")
    for name in ("harbour-1920x1080.jpg", "garden-640x480.jpg", "lantern-800x1200-rgba.png"):
        yield name.split("-")[0], Image.open(os.path.join(REPO, "scripts", "samples", name)).convert("RGB")


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    entries = []

    def add(name, how):
        path = os.path.join(out, name + ".jpg")
        im = Image.open(path)
        rgb = np.asarray(im.convert("RGB"))
        rgb.tofile(os.path.join(out, name + ".rgb"))
        entries.append({"file": name + ".jpg", "width": im.size[0], "height": im.size[1], "mode": im.mode, "how": how})

    cjpeg = shutil.which("cjpeg")
    for label, im in sources():
        for q, ss in ((30, 2), (50, 2), (75, 2), (90, 2), (95, 0), (100, 0), (85, 1), (75, 0)):
            name = f"{label}-q{q}-ss{ss}"
            im.save(os.path.join(out, name + ".jpg"), quality=q, subsampling=ss)
            add(name, f"Pillow quality={q} subsampling={ss}")
        name = f"{label}-progressive-q85"
        im.save(os.path.join(out, name + ".jpg"), quality=85, progressive=True)
        add(name, "Pillow progressive quality=85")
        name = f"{label}-optimized-q80-ss1"
        im.save(os.path.join(out, name + ".jpg"), quality=80, optimize=True, subsampling=1)
        add(name, "Pillow optimize quality=80 subsampling=1")
        name = f"{label}-grey-q85"
        im.convert("L").save(os.path.join(out, name + ".jpg"), quality=85)
        add(name, "Pillow greyscale quality=85")
        name = f"{label}-cmyk-q90"
        im.convert("CMYK").save(os.path.join(out, name + ".jpg"), quality=90)
        add(name, "Pillow CMYK (Adobe, inverted) quality=90")
        if cjpeg:
            ppm = os.path.join(out, "tmp.ppm")
            im.save(ppm)
            for args, how in ((["-restart", "1", "-quality", "85"], "cjpeg -restart 1 (every MCU row)"),
                              (["-restart", "3B", "-quality", "90", "-sample", "2x1"], "cjpeg -restart 3B 4:2:2"),
                              (["-progressive", "-restart", "2", "-quality", "80"], "cjpeg -progressive -restart 2"),
                              (["-dct", "float", "-quality", "92", "-sample", "1x1"], "cjpeg -dct float 4:4:4")):
                name = f"{label}-cjpeg-{'-'.join(a.strip('-') for a in args)}"
                subprocess.run([cjpeg, *args, "-outfile", os.path.join(out, name + ".jpg"), ppm], check=True)
                add(name, how)
            os.remove(ppm)
    for i, extra in enumerate(argv[2:]):
        name = f"found{i}-" + os.path.splitext(os.path.basename(extra))[0]
        shutil.copyfile(extra, os.path.join(out, name + ".jpg"))
        add(name, "found on this machine: " + extra)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(entries, f, indent=1)
    print(f"{len(entries)} JPEGs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
