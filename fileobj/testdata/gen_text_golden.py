#!/usr/bin/env python3
"""Generate text_golden.json: what Python's io.TextIOWrapper makes of bytes.

fileobj's TestTextGolden replays every case through fileobj.File and
compares. Run from fileobj/: python3 testdata/gen_text_golden.py
"""
import io
import json
import sys

INPUTS = {
    "plain": b"one\ntwo\nthree",
    "mixed": b"a\r\nb\rc\nd\r\r\ne\n\rf",
    "crlf-end": b"x\r\ny\r\n",
    "cr-end": b"x\ry\r",
    "only-newlines": b"\r\n\r\r\n\n\r",
    "empty": b"",
    "utf8": "Grüße\r\nwörld\rñ\n€ 😀\r\nend".encode("utf-8"),
    "latin1": "Grüße\r\nwörld\rñ\nend ÿ".encode("latin-1"),
    "cp1252": "“quotes” – €\r\nœ\n".encode("cp1252") + b"undef \x81\x8d\x8f\x90\x9d\r",
    "invalid-utf8": b"ok\xff\r\nbad \xe2\x82 seq\r\xed\xa0\x80x\n\xf0\x9f\x98 trunc\xe2",
    "invalid-starts": b"\x80\xc0\xc1\xf5\xff\xe0\x80\xf4\x90\x80\x80\n\xc2\r\n\xe0\xa0",
    "bom": b"\xef\xbb\xbfbom\r\n",
    "long": b"a" * 100 + b"\r" + "é".encode("utf-8") * 50 + b"\r\n" + b"b" * 70 + b"\n",
    "cr-runs": b"\r\r\r\n\r\n\n\r\rz",
}

ENCODINGS = ["utf-8", "latin-1", "cp1252", "ascii"]
ERRORS = ["strict", "replace", "ignore"]
NEWLINES = [None, "", "\n", "\r", "\r\n"]

TEXTS = {
    "newlines": "a\nb\r\nc\rd\n",
    "accents": "Grüße €\n😀\nok",
    "cp1252-only": "“x” œ\n",
    "empty": "",
}


def read_case(data, enc, errors, newline):
    def wrap():
        return io.TextIOWrapper(io.BytesIO(data), encoding=enc, errors=errors, newline=newline)
    try:
        lines = wrap().readlines()
        text = wrap().read()
    except UnicodeDecodeError as e:
        return {"error": type(e).__name__}
    return {"lines": lines, "read": text}


def write_case(text, enc, errors, newline):
    buf = io.BytesIO()
    w = io.TextIOWrapper(buf, encoding=enc, errors=errors, newline=newline)
    try:
        w.write(text)
        w.flush()
    except UnicodeEncodeError as e:
        return {"error": type(e).__name__}
    return {"bytes": buf.getvalue().hex()}


def main():
    reads, writes = [], []
    for name, data in INPUTS.items():
        for enc in ENCODINGS:
            for errors in ERRORS:
                for nl in NEWLINES:
                    c = {"input": name, "data": data.hex(), "encoding": enc, "errors": errors, "newline": nl}
                    c.update(read_case(data, enc, errors, nl))
                    reads.append(c)
    for name, text in TEXTS.items():
        for enc in ENCODINGS:
            for errors in ERRORS:
                for nl in NEWLINES:
                    c = {"input": name, "text": text, "encoding": enc, "errors": errors, "newline": nl}
                    c.update(write_case(text, enc, errors, nl))
                    writes.append(c)
    # one case a line, so that diffs stay readable
    def block(cases):
        return "[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]"
    with open("testdata/text_golden.json", "w", encoding="utf-8") as f:
        f.write('{"python": %s,\n"reads": %s,\n"writes": %s}\n'
                % (json.dumps(sys.version.split()[0]), block(reads), block(writes)))


main()
