#!/bin/sh
# Times ftputil 5.0.4's UnixParser (Debian's python3-ftputil) and package parse over
# the same vsftpd listing (testdata/bench_vsftpd.txt), taking turns, on one core,
# and prints the ratio of lines per second. Both sides count the best of
# their runs (ftputil: best of 5 runs per round; Go: best of the rounds), as
# this VM's speed drifts by up to 1.5x within minutes.
#
#   sh parse/testdata/bench_side_by_side.sh          3 rounds
#   ROUNDS=5 sh parse/testdata/bench_side_by_side.sh
set -e
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -c -o "$out.test" . >/dev/null
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	/usr/bin/python3 testdata/bench_ftputil.py | tee -a "$out"
	GOMAXPROCS=1 "$out.test" -test.run '^$' -test.bench 'BenchmarkUnix$|BenchmarkUnixRealClock|BenchmarkListing' \
		-test.benchtime 1s -test.benchmem | grep '^Benchmark' | tee -a "$out"
	i=$((i + 1))
done
rm -f "$out.test"
awk '
/^ftputil/ { for (i = 1; i <= NF; i++) if ($(i+1) == "lines/s") { v = $i + 0; if (v > py) py = v } }
/^Benchmark/ { name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 1; i <= NF; i++) if ($(i+1) == "lines/s") { v = $i + 0; if (v > best[name]) best[name] = v }
	for (i = 1; i <= NF; i++) if ($(i+1) == "allocs/op") allocs[name] = $i }
END {
	printf "\nftputil best: %.0f lines/s\n", py
	for (n in best) printf "%-24s best %8.0f lines/s  %5.1f x ftputil  (%s allocs/op)\n", n, best[n], best[n] / py, allocs[n]
}' "$out"
