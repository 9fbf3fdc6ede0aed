#!/bin/sh
# Times ftputil 5.0.4's UnixParser (Debian's python3-ftputil) and package parse over
# the same vsftpd listing (testdata/bench_vsftpd.txt), one after the other, on one core.
# Compare lines/s (wall) or, on a busy machine, lines/cpu-s.
set -e
cd "$(dirname "$0")/.."
for round in 1 2 3; do
	/usr/bin/python3 testdata/bench_ftputil.py
	GOMAXPROCS=1 go test -run '^$' -bench 'BenchmarkUnix|BenchmarkListing' -benchtime 2s .
done
