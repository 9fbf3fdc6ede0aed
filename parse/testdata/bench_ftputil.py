#!/usr/bin/python3
"""Time ftputil 5.0.4's UnixParser over the lines of BenchmarkUnix.

Usage: /usr/bin/python3 parse/testdata/bench_ftputil.py   (Debian's python3-ftputil)

It parses the listing lines of testdata/bench_vsftpd.txt (the same lines, in the
same order, as BenchmarkUnix) with ftputil.stat.UnixParser().parse_line,
time shift 0.0, the real clock, ROUNDS x len(lines) calls per run, and prints
the best of REPEAT runs as lines per second of wall time (lines/s) and of
CPU time (lines/cpu-s, steadier on a busy machine), like the Go benchmarks.
"""
import os
import sys
import time

import ftputil
import ftputil.stat

ROUNDS = 2000
REPEAT = 5

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "bench_vsftpd.txt"), "rb") as f:
    lines = [l.decode("utf-8") for l in f.read().split(b"\n") if l and not l.startswith(b"## ")]

parser = ftputil.stat.UnixParser()
parse_line = parser.parse_line
for line in lines:  # warm up, and check that every line parses
    parse_line(line, 0.0)

best = best_cpu = 0.0
for _ in range(REPEAT):
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(ROUNDS):
        for line in lines:
            parse_line(line, 0.0)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    best = max(best, ROUNDS * len(lines) / dt)
    best_cpu = max(best_cpu, ROUNDS * len(lines) / dc)
print("ftputil %s, Python %s: UnixParser.parse_line, %d lines x %d rounds, best of %d: "
      "%.0f lines/s (%.2f us/line), %.0f lines/cpu-s"
      % (ftputil.__version__, sys.version.split()[0], len(lines), ROUNDS, REPEAT, best, 1e6 / best, best_cpu))
