#!/bin/sh
# Pipeline throughput as a share of segmentation-only throughput, measured robustly on a
# noisy machine: BenchmarkSegment and BenchmarkClassify run back to back in each of N
# rounds, the share is taken per round, and the median over rounds is reported.
# Usage (from the repository root): sh docs/benchratio.sh [rounds, default 10]
set -eu
rounds=${1:-10}
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
go test -c -o "$bin" ./nlp
cd nlp
i=0
while [ "$i" -lt "$rounds" ]; do
	i=$((i + 1))
	"$bin" -test.run '^$' -test.bench '^Benchmark(Segment|Classify)$' -test.benchtime 15x |
		awk -v r="$i" '/^Benchmark/ { for (f = 2; f <= NF; f++) if ($f == "docs/s") print r, $1, $(f - 1) }'
done | awk '
	{ docs[$1, $2] = $3; names[$2] = 1; if ($1 > n) n = $1 }
	function median(a, k,   i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	END {
		split("serial parallel", modes, " ")
		for (m = 1; m <= 2; m++) {
			seg = "BenchmarkSegment/" modes[m] "-"; cls = "BenchmarkClassify/" modes[m] "-"
			k = 0; line = ""
			for (r = 1; r <= n; r++) {
				s = ""; c = ""
				for (name in names) {
					if (index(name, seg) == 1) s = docs[r, name]
					if (index(name, cls) == 1) c = docs[r, name]
				}
				if (s == "" || c == "") continue
				k++; ratio[k] = c / s; sd[k] = s; cd[k] = c
				line = line sprintf(" %.2f", c / s)
			}
			printf "%-8s segment %6.0f docs/s, pipeline %6.0f docs/s (medians); share per round:%s; median share %.3f\n",
				modes[m], median(sd, k), median(cd, k), line, median(ratio, k)
		}
	}'
