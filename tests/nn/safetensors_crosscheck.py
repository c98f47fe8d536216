#!/usr/bin/env python3
# safetensors_crosscheck.py — a second safetensors implementation (Python's standard library
# only) for test_safetensors' optional cross-check: `read FILE` prints the tensors as JSON,
# `write FILE` writes a fixed file. Not a general tool: no numpy or torch, F32/F64 only.
import json
import struct
import sys

FORMATS = {"F32": ("<f", 4), "F64": ("<d", 8)}


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            out[name] = entry
            continue
        fmt, size = FORMATS[entry["dtype"]]
        begin, end = entry["data_offsets"]
        values = [struct.unpack(fmt, data[i:i + size])[0] for i in range(begin, end, size)]
        out[name] = {"dtype": entry["dtype"], "shape": entry["shape"], "values": values}
    print(json.dumps(out))


def write(path):
    # Data in reverse name order, so the reader cannot rely on name order.
    tensors = [("zeta", "F64", [2], [0.5, -0.25]), ("alpha", "F32", [2, 2], [1.0, 2.0, 3.0, 4.5])]
    header, data = {"__metadata__": {"writer": "python"}}, b""
    for name, dtype, shape, values in tensors:
        fmt, _ = FORMATS[dtype]
        chunk = b"".join(struct.pack(fmt, v) for v in values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(chunk)]}
        data += chunk
    text = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    {"read": read, "write": write}[sys.argv[1]](sys.argv[2])
