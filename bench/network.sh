#!/usr/bin/env bash
# Bridge networking costs, in a throw-away network namespace that plays the host:
#  1. start latency: `run -- /bin/true` with --network none, bridge, and bridge plus a
#     1,000-entry egress policy (one hyperfine run; the ratios are what counts);
#     and bridge with a domain policy (its egress guard started before the command);
#  2. TCP throughput (iperf3, 5 s) from the container to the host over the bridge, with and
#     without the 1,000-entry policy, against two namespaces joined by a plain veth pair;
#  3. DNS lookups (2,000 A queries from python3 in the container, glibc, no cache) through the
#     egress resolver (--egress-allow-domain) vs straight to the same upstream server.
#   env: RUNS (default 40), NUCLEUS (binary), RESULTS (default /tmp/nucleus-network)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
NUCLEUS=${NUCLEUS:-$repo/build/nucleus}
RUNS=${RUNS:-40}
RESULTS=${RESULTS:-/tmp/nucleus-network}
[ -x "$NUCLEUS" ] || { echo "bench: build nucleus first (scripts/build.sh)" >&2; exit 1; }
NUCLEUS_BENCH_DEPS=1 bash "$repo/scripts/deps.sh"
mkdir -p "$RESULTS"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
policy=()
for i in $(seq 0 999); do policy+=(--egress-allow "10.200.$((i / 250)).$((i % 250 + 1))"); done
policy+=(--egress-allow 10.88.0.1)
printf '%s\n' "${policy[@]}" >"$root/policy"

export NUCLEUS RUNS RESULTS root repo
unshare --net bash -s <<'INNER'
set -euo pipefail
ip link set lo up
n() { "$NUCLEUS" --root "$root" "$@"; }
mapfile -t policy <"$root/policy"
n run --network bridge -- /bin/true  # brings the bridge up once
q() { printf '%q ' "$@"; }
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$RESULTS/start.json" \
  -n none "$(q "$NUCLEUS" --root "$root" run -- /bin/true)" \
  -n bridge "$(q "$NUCLEUS" --root "$root" run --network bridge -- /bin/true)" \
  -n "bridge + 1000-entry egress policy" \
  "$(q "$NUCLEUS" --root "$root" run --network bridge "${policy[@]}" -- /bin/true)" \
  -n "bridge + --egress-allow-domain" \
  "$(q "$NUCLEUS" --root "$root" run --network bridge --dns 10.88.0.1 --egress-allow-domain bench.test -- /bin/true)"
# Medians (the machine's noise is one-sided: a few slow runs pull the mean up).
python3 - "$RESULTS/start.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
base = statistics.median(results[0]["times"]) * 1e3
for r in results:
    m = statistics.median(r["times"]) * 1e3
    print(f"median {m:6.2f} ms  (+{m - base:5.2f} ms)  {r['command'] if len(r['command']) < 60 else r['command'][:57] + '...'}")
PY

# Throughput: the "host" end listens on the bridge's gateway address.
iperf3 -s -B 10.88.0.1 -D -I "$root/iperf.pid" >/dev/null
sleep 0.3
gbits() { python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9, 2))'; }
bridge=$(n run --network bridge -- iperf3 -J -t 5 -c 10.88.0.1 | gbits)
policed=$(n run --network bridge "${policy[@]}" -- iperf3 -J -t 5 -c 10.88.0.1 | gbits)
kill "$(cat "$root/iperf.pid")"
# The floor: a plain veth pair to a namespace of our own, no bridge, no NAT table.
ip link add vplain type veth peer name vpeer
ip addr add 10.77.0.1/24 dev vplain && ip link set vplain up
unshare --net sleep 60 & holder=$!
sleep 0.2
ip link set vpeer netns "$holder"
nsenter -t "$holder" -n sh -c 'ip link set lo up; ip addr add 10.77.0.2/24 dev vpeer; ip link set vpeer up'
iperf3 -s -B 10.77.0.1 -D -I "$root/iperf2.pid" >/dev/null
sleep 0.3
plain=$(nsenter -t "$holder" -n iperf3 -J -t 5 -c 10.77.0.1 | gbits)
kill "$(cat "$root/iperf2.pid")" "$holder"

# DNS: the fake server of the tests answers bench.test on the gateway address.
echo '{"bench.test": [["10.88.0.1"], 300]}' >"$root/records.json"
python3 "$repo/tests/support/fake_dns.py" 10.88.0.1 "$root/records.json" /dev/null \
  "$root/dns.ready" & dns=$!
while [ ! -e "$root/dns.ready" ]; do sleep 0.05; done
lookups='import socket, time
t = time.perf_counter()
for _ in range(2000): socket.gethostbyname("bench.test")
print(round((time.perf_counter() - t) / 2000 * 1e6))'
direct=$(n run --network bridge --dns 10.88.0.1 --egress-allow 10.88.0.1:53 -- python3 -c "$lookups")
guarded=$(n run --network bridge --dns 10.88.0.1 --egress-allow-domain bench.test -- python3 -c "$lookups")
kill "$dns"
n network rm bridge >/dev/null
python3 - "$plain" "$bridge" "$policed" "$direct" "$guarded" <<'PY'
import sys
plain, bridge, policed, direct, guarded = map(float, sys.argv[1:])
print(f"TCP throughput, Gbit/s: plain veth {plain}, bridge {bridge} ({bridge/plain:.2f}x), "
      f"bridge + 1000-entry policy {policed} ({policed/plain:.2f}x)")
print(f"DNS lookup, us: straight to the server {direct:.0f}, through the egress resolver "
      f"{guarded:.0f} ({guarded/direct:.2f}x)")
PY
INNER
