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
summary() { jq -r '.results[] | "\(.command)\t\(.mean * 1000 | floor) ms ± \(.stddev * 1000 | floor)"' "$1"; }
ncont() { echo "$N rm -f nb nb2 nf-1 nf-2 nf-3 nf-4 >/dev/null 2>&1; true"; }
rcont() { echo "for c in rb rb2 rf1 rf2 rf3 rf4; do runc delete -f \$c >/dev/null 2>&1; done; true"; }
for load in idle hog; do
  if [ "$load" = idle ]; then ncmd="-- sleep 1000"; rargs='["sleep", "1000"]'; else
    ncmd="-v $W/bin:/bench:ro -- /bench/hog 100"; rargs='["/bin/hog", "100"]'; fi
  jq ".process.args = $rargs" "$B/config.json" > "$W/c.json" && mv "$W/c.json" "$B/config.json"
  nstart="$N run -d --name nb --no-landlock --memory 256m $ncmd >/dev/null; sleep 1"
  rstart="runc run -d --bundle $B rb </dev/null >/dev/null 2>&1; sleep 1"
  echo "== checkpoint ($load)"
  hyperfine -N --runs "$RUNS" --export-json "$W/out/ck-$load.json" \
    --prepare "sh -c '$(rcont); rm -rf $I-r; $rstart'" -n "runc checkpoint" \
    "runc checkpoint --image-path $I-r --work-path $I-r rb" \
    --prepare "sh -c '$(ncont); rm -rf $I-n; $nstart'" -n "nucleus checkpoint" \
    "$N checkpoint -o $I-n nb" >/dev/null
  summary "$W/out/ck-$load.json"
  echo "== restore ($load)"
  hyperfine -N --runs "$RUNS" --export-json "$W/out/rs-$load.json" \
    --prepare "sh -c '$(rcont); rm -rf $W/rw'" -n "runc restore" \
    "runc restore -d --image-path $I-r --work-path $W/rw --bundle $B rb2" \
    --prepare "sh -c '$(ncont)'" -n "nucleus restore" "$N restore -d --name nb2 -i $I-n" \
    >/dev/null
  summary "$W/out/rs-$load.json"
done
echo "== fork into 4 (hog)"
# runc: what fork is made of (a checkpoint that leaves it running, four restores).
rfork="runc checkpoint --leave-running --image-path $I-f --work-path $I-f rb"
for k in 1 2 3 4; do rfork="$rfork && runc restore -d --image-path $I-f --work-path $W/rw$k --bundle $B rf$k </dev/null >/dev/null 2>&1"; done
hyperfine -N --runs "$RUNS" --export-json "$W/out/fork.json" \
  --prepare "sh -c '$(rcont); rm -rf $I-f $W/rw?; $rstart'" -n "runc checkpoint --leave-running + 4 restores" \
  "sh -c '$rfork'" \
  --prepare "sh -c '$(ncont); $nstart'" -n "nucleus fork --count 4" \
  "$N fork --count 4 --name-prefix nf nb" >/dev/null
summary "$W/out/fork.json"
sh -c "$(ncont); $(rcont)"
