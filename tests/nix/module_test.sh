#!/usr/bin/env bash
# nix/module.nix: it parses, evaluates (tests/nix/eval.nix) to a service whose ExecStart is the
# `nucleus run --sd-notify` command line of the container's options, and every option it reads
# is declared. Skips (77) without nix-instantiate.
set -euo pipefail
cd "$(dirname "$0")"
command -v nix-instantiate >/dev/null || { echo "no nix-instantiate: skipped"; exit 77; }
export NIX_STATE_DIR=$(mktemp -d) NIX_LOG_DIR=$(mktemp -d)
trap 'rm -rf "$NIX_STATE_DIR" "$NIX_LOG_DIR"' EXIT
nix-instantiate --parse ../../nix/module.nix >/dev/null
out=$(nix-instantiate --eval --strict --json eval.nix)
check() {  # what jq reads from the evaluation, what it must be
  local got
  got=$(jq -r "$1" <<<"$out")
  [ "$got" = "$2" ] || { printf 'module: %s is\n%s\nnot\n%s\n' "$1" "$got" "$2"; exit 1; }
}
check '.options == .given' true
check .Type notify
check .NotifyAccess main
check .Restart on-failure
check .Delegate true
check .SyslogIdentifier nucleus-web
check '.wantedBy[0]' multi-user.target
check .pre "-/nix/store/nucleus/bin/nucleus
rm
-f
web"
check .exec "/nix/store/nucleus/bin/nucleus
run
--sd-notify
--name
web
--user
1000:1000
--memory
512m
--cpus
1
--pids
64
--network
none
--env
MODE=prod
--volume
/srv/data:/data:ro
--secret
/run/keys/db_pass:db_pass
--caps-policy
/etc/nucleus/web-caps.toml
--caps-policy-sha256
00ff
--health-cmd
wget -qO- http://127.0.0.1:8080/health
--health-interval
10s
--health-retries
3
--readiness-tcp
8080
--timeout
3600
--
/srv/server
--port
8080"
echo "module: ok"
