#!/usr/bin/python3
"""Regenerates the end-to-end golden file: what `sieve score --json` must print for the committed image set.

    /usr/bin/python3 scripts/reference/make_score_goldens.py

Scores every image of worker/src/test/resources/image/cases/ (made by make_image_goldens.py: every Pillow mode,
PNG, GIF and JPEG incl. progressive, 1x1 to 4000x3000, extreme aspect ratios, 672/673 short sides, 1536/1537 long
sides) with score.py on the bundled fixture models (models/fixtures), and writes
worker/src/test/resources/score/scores-golden.json: {"generator", "clip", "heads", "images": [<score.py line>]},
file names relative to the cases folder. ScoreGoldenTest runs `sieve score --json` on the same files and compares
every per-label probability (and per-crop value) within 1e-4. Rerun after make_fixtures.py or make_image_goldens.py.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import score  # noqa: E402

REPO = score.REPO
CASES = os.path.join(REPO, "worker", "src", "test", "resources", "image", "cases")
OUT = os.path.join(REPO, "worker", "src", "test", "resources", "score", "scores-golden.json")


def main():
    clip, heads = score.load()
    images = []
    for name in sorted(os.listdir(CASES)):
        line = score.score_image(os.path.join(CASES, name), clip, heads)
        line["file"] = name
        images.append(line)
        tags = ", ".join(t.split(":", 1)[1] for t in line["tags"])
        print(f"{name}: {'tiled' if line['tiled'] else 'whole'}; {tags}; "
              f"score {next(v for v in line['heads'].values() if isinstance(v, float)):.3f}")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/reference/make_score_goldens.py (score.py on models/fixtures)",
                   "clip": os.path.relpath(score.DEFAULT_CLIP, REPO),
                   "heads": [h.name for h in heads], "images": images}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
