"""Avro single-object encoding, as sieve writes every Kafka value (Avro specification, "Single object encoding"):

  0xC3 0x01 | 8-byte little-endian CRC-64-AVRO fingerprint of the schema's Parsing Canonical Form | binary body

Only the Debian package python3-avro is needed; the fingerprint and the canonical form are written out here from the
specification because python3-avro 1.11 has no fingerprint helper and its canonical_form keeps {"type": "long"}
for a logical type where the specification (and Avro for Java) write "long".
"""
import io
import json
import os

import avro.io
import avro.schema

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas", "src", "main", "avro")
MARKER = b"\xc3\x01"

# CRC-64-AVRO (Rabin), as the specification gives it.
EMPTY = 0xC15D213AA4D7A795
FP_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (EMPTY & -(_fp & 1))
    FP_TABLE.append(_fp)

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
NAMED = ("record", "error", "enum", "fixed")


def fingerprint64(data: bytes) -> int:
    fp = EMPTY
    for b in data:
        fp = (fp >> 8) ^ FP_TABLE[(fp ^ b) & 0xFF]
    return fp


def _full_name(name, namespace):
    return name if "." in name or not namespace else namespace + "." + name


def canonical_form(schema, namespace=""):
    """Parsing Canonical Form of a schema given as parsed JSON (one named type defined once, as sieve's are)."""
    if isinstance(schema, str):
        return json.dumps(schema if schema in PRIMITIVES else _full_name(schema, namespace))
    if isinstance(schema, list):
        return "[" + ",".join(canonical_form(s, namespace) for s in schema) + "]"
    kind = schema["type"]
    if kind in PRIMITIVES or isinstance(kind, (dict, list)):
        return canonical_form(kind, namespace)  # {"type": "long", "logicalType": ...} is just "long"
    parts = []
    if kind in NAMED:
        name = _full_name(schema["name"], schema.get("namespace", namespace))
        namespace = name.rpartition(".")[0]
        parts.append('"name":' + json.dumps(name))
    parts.append('"type":' + json.dumps(kind))
    if "fields" in schema:
        parts.append('"fields":[' + ",".join('{"name":' + json.dumps(f["name"]) + ',"type":'
                                               + canonical_form(f["type"], namespace) + "}" for f in schema["fields"]) + "]")
    if "symbols" in schema:
        parts.append('"symbols":' + json.dumps(schema["symbols"], separators=(",", ":")))
    for key in ("items", "values"):
        if key in schema:
            parts.append('"' + key + '":' + canonical_form(schema[key], namespace))
    if "size" in schema:
        parts.append('"size":' + str(schema["size"]))
    return "{" + ",".join(parts) + "}"


def _inline(schema, schema_dir, namespace=""):
    """Replaces a reference to another of sieve's .avsc files (ScoredImage's "dev.sieve.avro.ImageRef") by its definition."""
    if isinstance(schema, str):
        full = _full_name(schema, namespace)
        path = os.path.join(schema_dir, full.rpartition(".")[2] + ".avsc")
        if schema not in PRIMITIVES and os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return _inline(json.load(f), schema_dir)
        return schema
    if isinstance(schema, list):
        return [_inline(s, schema_dir, namespace) for s in schema]
    out = dict(schema)
    if out.get("type") in NAMED:
        namespace = _full_name(out["name"], out.get("namespace", namespace)).rpartition(".")[0]
    if "fields" in out:
        out["fields"] = [dict(f, type=_inline(f["type"], schema_dir, namespace)) for f in out["fields"]]
    for key in ("type", "items", "values"):
        if key in out and not (key == "type" and isinstance(out[key], str) and out[key] in NAMED + ("array", "map")):
            out[key] = _inline(out[key], schema_dir, namespace)
    return out


class SingleObjectCodec:
    """Encodes and decodes one sieve record type; name is the .avsc file's name, e.g. "ImageRef"."""

    def __init__(self, name: str, schema_dir: str = SCHEMA_DIR):
        with open(os.path.join(schema_dir, name + ".avsc"), encoding="utf-8") as f:
            parsed = _inline(json.load(f), schema_dir)
        self.schema = avro.schema.parse(json.dumps(parsed))
        self.fingerprint = fingerprint64(canonical_form(parsed).encode("utf-8")).to_bytes(8, "little")

    def encode(self, record: dict) -> bytes:
        # Fields added to the schema later carry defaults; python3-avro's writer does not apply them by itself.
        full = {f.name: f.default for f in self.schema.fields if f.has_default and f.name not in record}
        full.update(record)
        out = io.BytesIO()
        out.write(MARKER + self.fingerprint)
        avro.io.DatumWriter(self.schema).write(full, avro.io.BinaryEncoder(out))
        return out.getvalue()

    def decode(self, value: bytes) -> dict:
        if value[:2] != MARKER:
            raise ValueError("not Avro single-object encoded (no C3 01 marker)")
        if value[2:10] != self.fingerprint:
            # A record written with another version of the schema: a real reader would look that schema up by its
            # fingerprint and resolve it against its own; this example only knows the schemas of its checkout.
            raise ValueError(f"written with an unknown schema (fingerprint {value[2:10].hex()}, expected {self.fingerprint.hex()})")
        return avro.io.DatumReader(self.schema).read(avro.io.BinaryDecoder(io.BytesIO(value[10:])))
