#!/usr/bin/env bash
# bench/startup.sh — what a process costs before it does anything: the
# shared libraries `nsearch` loads (ldd) and the median wall time of
# `nsearch --version` against an empty C program, run alternately in the same
# loop (bench/README.md, docs/benchmarks.md).
#
#   bench/startup.sh NSEARCH [RUNS]      RUNS defaults to 51 (at least 31)
set -euo pipefail

ns=${1:?usage: startup.sh NSEARCH [RUNS]}
runs=${2:-51}
[[ -x $ns ]] || { echo "startup.sh: $ns is not an executable" >&2; exit 2; }
((runs >= 31)) || { echo "startup.sh: RUNS must be at least 31" >&2; exit 2; }
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int main(void) { return 0; }\n' >"$tmp/empty.c"
"$cc" -O2 -o "$tmp/empty" "$tmp/empty.c"

echo "shared libraries of $ns:"
ldd "$ns" | sed 's/^\s*/  /'
echo "  ($(ldd "$ns" | grep -c '=>') loaded through the search path)"

# One process per sample, wall time in microseconds from bash's
# $EPOCHREALTIME (no process of its own); the two programs alternate so that
# load on the machine hits both alike.
((BASH_VERSINFO[0] >= 5)) || { echo "startup.sh: needs bash 5 (EPOCHREALTIME)" >&2; exit 2; }
# CPU time (user + system) of the children, from the `times` builtin, in
# microseconds: less disturbed than wall time when other jobs share the CPUs.
# (sets cpu_us; no subshell: the children counted are this shell's)
children_cpu_us() {
    local t u s
    times >"$tmp/times"
    t=$(tail -n 1 "$tmp/times") # "0m0.123s 0m0.045s": the children's user and system time
    cpu_us=0
    [[ $t =~ ^([0-9]+)m([0-9]+)[.,]([0-9]+)s\ ([0-9]+)m([0-9]+)[.,]([0-9]+)s$ ]] || return 0
    u=$(((10#${BASH_REMATCH[1]} * 60 + 10#${BASH_REMATCH[2]}) * 1000000 + 10#${BASH_REMATCH[3]} * 1000))
    s=$(((10#${BASH_REMATCH[4]} * 60 + 10#${BASH_REMATCH[5]}) * 1000000 + 10#${BASH_REMATCH[6]} * 1000))
    cpu_us=$((u + s))
}
: >"$tmp/ns.txt"
: >"$tmp/empty.txt"
cpu_ns=0 cpu_empty=0
for ((i = 0; i < runs; i++)); do
    children_cpu_us; c0=$cpu_us
    t0=${EPOCHREALTIME/[.,]/}; "$ns" --version >/dev/null; t1=${EPOCHREALTIME/[.,]/}
    children_cpu_us; c1=$cpu_us
    echo $((10#$t1 - 10#$t0)) >>"$tmp/ns.txt"
    t0=${EPOCHREALTIME/[.,]/}; "$tmp/empty"; t1=${EPOCHREALTIME/[.,]/}
    children_cpu_us; c2=$cpu_us
    echo $((10#$t1 - 10#$t0)) >>"$tmp/empty.txt"
    cpu_ns=$((cpu_ns + c1 - c0)) cpu_empty=$((cpu_empty + c2 - c1))
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m_ns=$(median "$tmp/ns.txt")
m_empty=$(median "$tmp/empty.txt")
echo "median of $runs runs (us): nsearch --version $m_ns, empty C program $m_empty," \
    "difference $((${m_ns%.*} - ${m_empty%.*}))"
echo "mean CPU time, user + system (us): nsearch --version $((cpu_ns / runs))," \
    "empty C program $((cpu_empty / runs)), difference $(((cpu_ns - cpu_empty) / runs))"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
