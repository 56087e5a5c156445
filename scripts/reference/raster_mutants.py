#!/usr/bin/python3
"""Mutants of the raster-format corpus, judged by Pillow 9.4, for RasterDifferentialMeasurement.

Usage (repository root): /usr/bin/python3 scripts/reference/raster_mutants.py DIR PER_FILE SEED [png-data | PREFIX]
Each file under worker/src/test/resources/formats/{bmp,ico,pnm,tga,gif,png} gets PER_FILE mutants: one to three
bytes changed (mostly in the first 80, where the headers are), a truncation, or a few bytes inserted. DIR gets the
mutants and a cases.json in make_format_corpus_raster.py's format (what Pillow decoded, or the code its failure
maps to). DIR is emptied first.

With png-data, only the PNGs are mutated, and only past their IHDR (byte 33 on): most header mutants end at the
IHDR's checksum, these reach the image data, its chunk lengths and the chunks after it. PREFIX (e.g.
tiff/cases/ycbcr) takes the files under formats/ whose path starts with it instead, and changes bytes anywhere in
them (their data is most of the file); TIFFs are judged by the TIFF corpus's conventions.
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_format_corpus_raster as corpus  # noqa: E402

FOLDERS = ("bmp", "ico", "pnm", "tga", "gif", "png")


def mutate(data, rng, start=0, head=80):
    b = bytearray(data)
    op = rng.random()
    if op < 0.6:
        for _ in range(rng.randint(1, 3)):
            if start:
                i = rng.randrange(start, len(b))
            else:
                i = rng.randrange(min(len(b), head)) if rng.random() < 0.7 else rng.randrange(len(b))
            b[i] = rng.randrange(256) if rng.random() < 0.5 else b[i] ^ (1 << rng.randrange(8))
    elif op < 0.8:
        b = b[:rng.randrange(max(1, start), len(b))]
    else:
        i = rng.randrange(start, len(b))
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(b)


def tiff_conventions(case, path):
    """The TIFF corpus's conventions (make_format_corpus_tiff.py): a TIFF Pillow cannot identify is CORRUPT_IMAGE for
    a broken structure; the wide and padded modes are held as sieve holds them (I;16 and I;16B as little-endian
    "I16", RGBX as "RGB")."""
    import warnings
    import make_format_corpus_tiff as tiffs
    from PIL import Image
    if case.get("refused") == "NOT_AN_IMAGE":
        case["refused"] = "CORRUPT_IMAGE"
    if "refused" in case:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        im = Image.open(path)
        im.load()
        tiles = tiffs.preprocess.tiles(im, True)
    case["mode"] = {"I;16": "I16", "I;16B": "I16", "RGBX": "RGB"}.get(case["mode"], case["mode"])
    case["decoded"] = tiffs.sha(tiffs.decoded_bytes(im))
    for crop, tile in zip(case["crops"], tiles):
        crop["tile"] = tiffs.sha(tiffs.decoded_bytes(tile))


def main():
    out, per, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    png_data = sys.argv[4:] == ["png-data"]
    prefix = sys.argv[4] if len(sys.argv) > 4 and not png_data else None
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        os.remove(os.path.join(out, f))
    cases = []
    if prefix:
        folder, start = os.path.split(prefix)
        sources = [(folder.replace("/", "_"), os.path.join(corpus.OUT, folder), n)
                   for n in sorted(os.listdir(os.path.join(corpus.OUT, folder))) if n.startswith(start)]
    else:
        sources = [(folder, os.path.join(corpus.OUT, folder), n) for folder in (("png",) if png_data else FOLDERS)
                   for n in sorted(os.listdir(os.path.join(corpus.OUT, folder)))]
    for folder, src, name in sources:
        if name.endswith(".json"):
            continue
        data = open(os.path.join(src, name), "rb").read()
        for k in range(per):
            mutant = f"{folder}_{k}_{name}"
            path = os.path.join(out, mutant)
            with open(path, "wb") as f:
                f.write(mutate(data, rng, 33 if png_data else 0, len(data) if prefix else 80))
            case = {"file": mutant, **corpus.golden(path)}
            if prefix and data[:2] in (b"II", b"MM"):
                tiff_conventions(case, path)
            cases.append(case)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"generator": "scripts/reference/raster_mutants.py", "cases": cases}, f)
    print(len(cases), "mutants,", sum("refused" in c for c in cases), "refused by Pillow")


if __name__ == "__main__":
    main()
