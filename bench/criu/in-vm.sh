#!/bin/sh
# In the benchmark VM (bench/checkpoint.sh): hyperfine over nucleus and runc, printing each
# run's JSON summary as "name mean_ms stddev_ms".
set -eu
exec 3>&- 4>&-
W=/var/tmp/nucleus-bench-criu
N=$NUCLEUS
B=$W/bundle
I=$W/img
cd "$W"
summary() { jq -r '.results[] | "\(.command)\t\(.mean * 1000 | floor) ms ± \((.stddev // 0) * 1000 | floor)"' "$1"; }
ncont() { echo "$N rm -f nb nb2 nf-1 nf-2 nf-3 nf-4 >/dev/null 2>&1; true"; }
rcont() { echo "for c in rb rb2 rf1 rf2 rf3 rf4; do runc delete -f \$c >/dev/null 2>&1; done; true"; }
# compare TITLE FILE RUNC_PREPARE RUNC_NAME RUNC_COMMAND NUCLEUS_PREPARE NUCLEUS_NAME NUCLEUS_COMMAND
compare() {
  echo "== $1"
  hyperfine -N --runs "$RUNS" --export-json "$W/out/$2.json" \
    --prepare "sh -c '$3'" -n "$4" "$5" --prepare "sh -c '$6'" -n "$7" "$8" >/dev/null
  summary "$W/out/$2.json"
}
for load in idle hog; do
  if [ "$load" = idle ]; then ncmd="-- sleep 1000"; rargs='["sleep", "1000"]'; else
    ncmd="-v $W/bin:/bench:ro -- /bench/hog 100"; rargs='["/bin/hog", "100"]'; fi
  jq ".process.args = $rargs" "$B/config.json" > "$W/c.json" && mv "$W/c.json" "$B/config.json"
  nstart="$N run -d --name nb --no-landlock --memory 256m $ncmd >/dev/null; sleep 1"
  rstart="runc run -d --bundle $B rb </dev/null >/dev/null 2>&1; sleep 1"
  compare "checkpoint ($load)" "ck-$load" \
    "$(rcont); rm -rf $I-r; $rstart" "runc checkpoint" \
    "runc checkpoint --image-path $I-r --work-path $I-r rb" \
    "$(ncont); rm -rf $I-n; $nstart" "nucleus checkpoint" "$N checkpoint -o $I-n nb"
  compare "restore ($load)" "rs-$load" \
    "$(rcont); rm -rf $W/rw" "runc restore" \
    "runc restore -d --image-path $I-r --work-path $W/rw --bundle $B rb2" \
    "$(ncont)" "nucleus restore" "$N restore -d --name nb2 -i $I-n"
done
# runc: what fork is made of (a checkpoint that leaves it running, four restores).
rfork="runc checkpoint --leave-running --image-path $I-f --work-path $I-f rb"
for k in 1 2 3 4; do rfork="$rfork && runc restore -d --image-path $I-f --work-path $W/rw$k --bundle $B rf$k </dev/null >/dev/null 2>&1"; done
compare "fork into 4 (hog)" fork \
  "$(rcont); rm -rf $I-f $W/rw?; $rstart" "runc checkpoint --leave-running + 4 restores" \
  "sh -c '$rfork'" "$(ncont); $nstart" "nucleus fork --count 4" "$N fork --count 4 --name-prefix nf nb"
sh -c "$(ncont); $(rcont)"
