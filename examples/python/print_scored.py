#!/usr/bin/env python3
"""Print what sieve's workers write to images.scored: one line per image, each head's top label.

Reads from the beginning with a throw-away consumer group, only committed records (the workers write in
transactions), and stops after --idle-s seconds without a new record. Needs python3-avro and python3-confluent-kafka.

  examples/python/print_scored.py -b localhost:9092
"""
import argparse
import os
import sys
import uuid

from confluent_kafka import Consumer

from single_object import SCHEMA_DIR, SingleObjectCodec


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-b", "--bootstrap-servers", default=os.environ.get("SIEVE_BOOTSTRAP_SERVERS", "localhost:9092"))
    ap.add_argument("--topic", default="images.scored")
    ap.add_argument("--idle-s", type=float, default=5.0, help="stop after this long without a record")
    ap.add_argument("--schema-dir", default=SCHEMA_DIR)
    args = ap.parse_args(argv)

    scored = SingleObjectCodec("ScoredImage", args.schema_dir)
    consumer = Consumer({"bootstrap.servers": args.bootstrap_servers, "group.id": "print-scored-" + uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    consumer.subscribe([args.topic])
    count = 0
    try:
        while True:
            msg = consumer.poll(args.idle_s)
            if msg is None:
                break
            if msg.error():
                print(f"error: {msg.error()}", file=sys.stderr)
                continue
            image = scored.decode(msg.value())
            tops = []
            for head in image["heads"]:
                best = max(head["labels"], key=lambda label: label["probability"])
                tops.append(f'{head["name"]}={best["label"]}:{best["probability"]:.3f}')
            print(image["ref"]["id"], image["ref"]["uri"], f'{image["width"]}x{image["height"]}', " ".join(tops))
            count += 1
    finally:
        consumer.close()
    print(f"{count} scored images", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
