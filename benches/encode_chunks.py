#!/usr/bin/env python3
"""Encodes a CSV file as splunkd sends it to a chunked (SCP v2) search command.

usage: encode_chunks.py INPUT.csv OUTPUT.chunks --now EPOCH [--tz ZONE] [--rows-per-chunk N]
                        [--arg NAME=VALUE ...]

Writes a getinfo chunk (args `now=EPOCH tz=ZONE` and each --arg, no dispatch folder), then execute chunks of
N rows (default 50,000, splunkd's maxresultrows) each with `"finished":false` and the CSV header
row repeated, then a final `"finished":true` execute chunk holding only the header row.

The input must have one row per line (no quoted newlines), as `emailoutlier sample` writes.
Standard library only; the output depends only on the input and the arguments.
`final_body(path)` reads back the last body of a command's reply stream (e2e.sh, backtest.sh).
"""

import argparse
import json
import sys


def chunk(metadata: dict, body: bytes) -> bytes:
    meta = json.dumps(metadata, separators=(",", ":")).encode()
    return b"chunked 1.0,%d,%d\n" % (len(meta), len(body)) + meta + body


def final_body(path):
    """The body of the last chunk of a protocol reply stream."""
    data = open(path, "rb").read()
    pos, body = 0, b""
    while pos < len(data):
        newline = data.index(b"\n", pos)
        _, meta_len, body_len = data[pos:newline].decode().split(",")
        start = newline + 1 + int(meta_len)
        body = data[start:start + int(body_len)]
        pos = start + int(body_len)
    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--now", required=True, type=int)
    parser.add_argument("--tz", default="UTC")
    parser.add_argument("--rows-per-chunk", type=int, default=50_000)
    parser.add_argument("--arg", action="append", default=[], help="another command option")
    args = parser.parse_args()
    if args.rows_per_chunk < 1:
        parser.error("--rows-per-chunk must be at least 1")

    getinfo = {
        "action": "getinfo",
        "preview": False,
        "streaming_command_will_restart": False,
        "searchinfo": {
            "args": [f"now={args.now}", f"tz={args.tz}", *args.arg],
            "raw_args": [f"now={args.now}", f"tz={args.tz}", *args.arg],
            "command": "emailoutlier",
            "maxresultrows": args.rows_per_chunk,
        },
    }
    with open(args.input, "rb") as src, open(args.output, "wb") as out:
        header = src.readline()
        if not header.endswith(b"\n"):
            print(f"{args.input}: no header row", file=sys.stderr)
            return 1
        out.write(chunk(getinfo, b""))
        chunks = 0
        while True:
            rows = []
            for line in src:
                rows.append(line)
                if len(rows) == args.rows_per_chunk:
                    break
            if not rows:
                break
            body = header + b"".join(rows)
            out.write(chunk({"action": "execute", "finished": False}, body))
            chunks += 1
        out.write(chunk({"action": "execute", "finished": True}, header))
    print(f"{args.output}: getinfo, {chunks} execute chunks, final chunk", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
