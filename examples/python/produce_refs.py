#!/usr/bin/env python3
"""Publish image references to sieve's images.in from Python: plain Avro, no sieve code, no registry.

Each value is an ImageRef (schemas/src/main/avro/ImageRef.avsc, read from this checkout) in Avro single-object
encoding (see single_object.py); the key is the id. Needs Debian's python3-avro and python3-confluent-kafka.

  examples/python/produce_refs.py -b localhost:9092 https://example.org/a.jpg https://example.org/b.png
"""
import argparse
import datetime
import hashlib
import os
import sys

from confluent_kafka import Producer

from single_object import SCHEMA_DIR, SingleObjectCodec


def ref_id(uri: str) -> str:
    # Any stable string will do (the same image must keep its id); sieve's own producer has its rule (README: Ids).
    return hashlib.sha256(uri.encode("utf-8")).hexdigest()[:32]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("uris", nargs="+", help="image URIs (http, https, or file under the worker's --file-root)")
    ap.add_argument("-b", "--bootstrap-servers", default=os.environ.get("SIEVE_BOOTSTRAP_SERVERS", "localhost:9092"))
    ap.add_argument("--topic", default="images.in")
    ap.add_argument("--source", default="python-example", help="the ImageRef's source field")
    ap.add_argument("--schema-dir", default=SCHEMA_DIR, help="where ImageRef.avsc is (default: this checkout's)")
    args = ap.parse_args(argv)

    refs = SingleObjectCodec("ImageRef", args.schema_dir)
    producer = Producer({"bootstrap.servers": args.bootstrap_servers, "enable.idempotence": True})
    errors = []
    for uri in args.uris:
        record = {"id": ref_id(uri), "uri": uri, "source": args.source,
                  "attributes": {"producer": "examples/python"},
                  "produced_at": datetime.datetime.now(datetime.timezone.utc)}
        producer.produce(args.topic, key=record["id"].encode("utf-8"), value=refs.encode(record),
                         on_delivery=lambda err, msg: errors.append(err) if err else None)
        producer.poll(0)
    pending = producer.flush(60)
    if pending or errors:
        print(f"not delivered: {pending} still pending, errors: {errors}", file=sys.stderr)
        return 1
    print(f"{len(args.uris)} references sent to {args.topic}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
