#!/usr/bin/env python3
"""Helpers of scripts/image-smoke (run with /usr/bin/python3; needs python3-avro and python3-confluent-kafka).

  image_smoke.py runtime DOCKERFILE OUT_DIR   the final stage's apt packages, ENV, USER, WORKDIR, ENTRYPOINT as files
  image_smoke.py compare BOOTSTRAP HOST_JSONL EXPECTED TIMEOUT_S WORKER_PID
      reads images.scored and images.failed (read_committed) until EXPECTED records arrived, and checks each against
      `sieve score --json` of the same file on the host: the same heads, labels and probabilities within TOLERANCE, or
      the same failure stage and code. Stops waiting when the worker's process has exited.
"""
import json
import os
import re
import shlex
import sys
import time
import uuid
from urllib.parse import unquote, urlparse

# The worker puts crops of several images in one forward pass and `sieve score` one image's: libtorch's float sums then
# differ in the last bits (0 on a quiet machine, 2.7e-6 seen under load). ScorerTest allows the same for batched scoring.
TOLERANCE = 1e-5

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "python"))


def final_stage(path):
    """The Dockerfile's last stage as (instruction, arguments) pairs, continuation lines joined, comments dropped."""
    lines, cur = [], ""
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        if cur.strip():
            lines.append(cur.strip())
        cur = ""
    stages = [[]]
    for line in lines:
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        stages[-1].append((word.upper(), rest.strip()))
    return stages[-1]


def runtime(dockerfile, out):
    stage = final_stage(dockerfile)
    env, packages, user, workdir, entrypoint = {}, [], None, "/", None
    for word, rest in stage:
        if word == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                env[key] = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)
        elif word == "RUN" and "apt-get install" in rest:
            install = rest.split("apt-get install", 1)[1].split("&&", 1)[0]
            packages += [w for w in shlex.split(install) if not w.startswith("-")]
        elif word == "USER":
            user = rest
        elif word == "WORKDIR":
            workdir = rest
        elif word == "ENTRYPOINT":
            entrypoint = json.loads(rest)
    if user is None or entrypoint is None or not packages:
        sys.exit(f"{dockerfile}: its last stage needs USER, ENTRYPOINT and an apt-get install line")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "env"), "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in env.items())
    for name, value in (("packages", packages), ("entrypoint", entrypoint)):
        with open(os.path.join(out, name), "w") as f:
            f.writelines(v + "\n" for v in value)
    for name, value in (("user", user), ("workdir", workdir)):
        with open(os.path.join(out, name), "w") as f:
            f.write(value + "\n")


def file_name(uri):
    return os.path.basename(unquote(urlparse(uri).path))


def heads_of(scored):
    """head name -> label -> probability, from an Avro ScoredImage."""
    return {h["name"]: {l["label"]: l["probability"] for l in h["labels"]} for h in scored["heads"]}


def host_heads(o):
    out = {}
    for name, value in o["heads"].items():
        out[name] = value if isinstance(value, dict) else {next(iter(o["crops"][name])): value}
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def compare(bootstrap, host_jsonl, expected, timeout_s, worker_pid):
    from confluent_kafka import Consumer
    from single_object import SingleObjectCodec

    host = {}
    for line in open(host_jsonl, encoding="utf-8"):
        o = json.loads(line)
        host[os.path.basename(o["file"])] = o
    codecs = {"images.scored": SingleObjectCodec("ScoredImage"), "images.failed": SingleObjectCodec("FailedImage")}
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "image-smoke-" + uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    consumer.subscribe(list(codecs))
    seen, problems, worst = {}, [], 0.0
    deadline = time.monotonic() + timeout_s
    try:
        while len(seen) < expected and time.monotonic() < deadline and alive(worker_pid):
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            record = codecs[msg.topic()].decode(msg.value())
            name = file_name(record["ref"]["uri"])
            seen[name] = (msg.topic(), record)
    finally:
        consumer.close()
    for name, (topic, record) in sorted(seen.items()):
        want = host.get(name)
        if want is None:
            problems.append(f"{name}: not scored on the host")
        elif topic == "images.failed":
            got = (record["stage"], record["code"])
            if "stage" not in want or (want["stage"], want["code"]) != got:
                problems.append(f"{name}: image failed {got}, host {want.get('stage')}/{want.get('code')}")
            else:
                print(f"  {name}: failed {got[0]}/{got[1]} in the image and on the host")
        elif "heads" not in want:
            problems.append(f"{name}: scored in the image, failed on the host ({want.get('code')})")
        else:
            got, ref = heads_of(record), host_heads(want)
            if got.keys() != ref.keys() or any(got[h].keys() != ref[h].keys() for h in got):
                problems.append(f"{name}: heads/labels {got} vs host {ref}")
                continue
            diff = max(abs(got[h][l] - ref[h][l]) for h in got for l in got[h])
            worst = max(worst, diff)
            (problems.append(f"{name}: differs by {diff:.3g}") if diff > TOLERANCE
             else print(f"  {name}: {len(got)} heads, max |Δp| {diff:.3g} against the host"))
    missing = sorted(set(host) - set(seen))
    if missing:
        problems.append(f"not written by the image's worker ({'within ' + str(timeout_s) + ' s' if alive(worker_pid) else 'it exited'}): {missing}")
    print(f"  {len(seen)} of {expected} records; largest score difference {worst:.3g}")
    for p in problems:
        print("  MISMATCH " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1] == "runtime":
        runtime(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])))
    else:
        sys.exit(__doc__)
