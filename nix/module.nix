# NixOS module: services.nucleus.containers.<name> runs one nucleus container as the systemd
# service nucleus-<name>, with the unit `nucleus generate systemd` writes (Type=notify through
# `nucleus run --sd-notify`, nucleus in the foreground, Restart=on-failure, the output in the
# journal under SyslogIdentifier=nucleus-<name>, Delegate=yes, hardening).
#
#   imports = [ ./nix/module.nix ];
#   services.nucleus.package = nucleus;   # a derivation of this repository's build
#   services.nucleus.containers.web = {
#     command = [ "/srv/web/server" "--port" "8080" ];
#     memory = "512m"; cpus = "1";
#     user = "1000:1000";
#     capsPolicy = ./web-caps.toml;
#     secrets = [ "/run/keys/db_pass:db_pass" ];
#   };
{ config, lib, utils, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.services.nucleus;

  policy = flag: file: sha:
    lib.optionals (file != null) ([ "--${flag}" "${file}" ]
      ++ lib.optionals (sha != null) [ "--${flag}-sha256" sha ]);

  opt = flag: value: lib.optionals (value != null) [ "--${flag}" value ];
  runArgs = name: c:
    [ "run" "--sd-notify" "--name" name ]
    ++ lib.optionals (c.rootfs != null) [ "--rootfs" "${c.rootfs}" ]
    ++ lib.optional c.rootfsWritable "--rootfs-rw"
    ++ lib.optionals (c.user != null) [ "--user" c.user ]
    ++ lib.optionals (c.workdir != null) [ "--workdir" c.workdir ]
    ++ lib.optionals (c.memory != null) [ "--memory" c.memory ]
    ++ lib.optionals (c.cpus != null) [ "--cpus" c.cpus ]
    ++ lib.optionals (c.pids != null) [ "--pids" (toString c.pids) ]
    ++ [ "--network" c.network ]
    ++ lib.concatMap (d: [ "--egress-allow-domain" d ]) c.egressAllowDomains
    ++ lib.concatLists (lib.mapAttrsToList (k: v: [ "--env" "${k}=${v}" ]) c.environment)
    ++ lib.concatMap (v: [ "--volume" v ]) c.volumes
    ++ lib.concatMap (s: [ "--secret" s ]) c.secrets
    ++ lib.concatMap (cap: [ "--cap-add" cap ]) c.capAdd
    ++ policy "seccomp-profile" c.seccompProfile c.seccompProfileSha256
    ++ policy "landlock-policy" c.landlockPolicy c.landlockPolicySha256
    ++ policy "caps-policy" c.capsPolicy c.capsPolicySha256
    ++ opt "health-cmd" c.healthCmd
    ++ opt "health-interval" c.healthInterval
    ++ opt "health-timeout" c.healthTimeout
    ++ opt "health-retries" (if c.healthRetries == null then null else toString c.healthRetries)
    ++ opt "health-start-period" c.healthStartPeriod
    ++ opt "readiness-exec" c.readinessExec
    ++ opt "readiness-tcp" (if c.readinessTcp == null then null else toString c.readinessTcp)
    ++ c.extraArgs
    ++ [ "--" ] ++ c.command;

  container = types.submodule {
    options = {
      command = mkOption {
        type = types.nonEmptyListOf types.str;
        description = "The command and its arguments, run in the container.";
      };
      rootfs = mkOption {
        type = types.nullOr types.path;
        default = null;
        description = "Root filesystem directory (default: nucleus's host-bound agent root).";
      };
      rootfsWritable = mkOption { type = types.bool; default = false; description = "--rootfs-rw"; };
      user = mkOption { type = types.nullOr types.str; default = null; description = "UID[:GID]"; };
      workdir = mkOption { type = types.nullOr types.str; default = null; description = "--workdir"; };
      memory = mkOption { type = types.nullOr types.str; default = null; description = "--memory, e.g. 512m"; };
      cpus = mkOption { type = types.nullOr types.str; default = null; description = "--cpus, e.g. 1.5"; };
      pids = mkOption { type = types.nullOr types.ints.positive; default = null; description = "--pids"; };
      network = mkOption {
        type = types.str;
        default = "none";
        description = "none (loopback only), bridge, or a nucleus network's name.";
      };
      egressAllowDomains = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Names (or *.names) a bridge container may resolve and reach; nothing else.";
      };
      environment = mkOption { type = types.attrsOf types.str; default = { }; description = "--env K=V"; };
      volumes = mkOption { type = types.listOf types.str; default = [ ]; description = "SRC:DST[:ro|rw]"; };
      secrets = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "SRC[:NAME]: host files at /run/secrets/NAME (tmpfs, 0400).";
      };
      capAdd = mkOption { type = types.listOf types.str; default = [ ]; description = "--cap-add"; };
      seccompProfile = mkOption { type = types.nullOr types.path; default = null; description = "--seccomp-profile (Docker's format)"; };
      seccompProfileSha256 = mkOption { type = types.nullOr types.str; default = null; description = "--seccomp-profile-sha256"; };
      landlockPolicy = mkOption { type = types.nullOr types.path; default = null; description = "--landlock-policy (TOML)"; };
      landlockPolicySha256 = mkOption { type = types.nullOr types.str; default = null; description = "--landlock-policy-sha256"; };
      capsPolicy = mkOption { type = types.nullOr types.path; default = null; description = "--caps-policy (TOML)"; };
      capsPolicySha256 = mkOption { type = types.nullOr types.str; default = null; description = "--caps-policy-sha256"; };
      healthCmd = mkOption { type = types.nullOr types.str; default = null; description = "--health-cmd: `/bin/sh -c CMD` inside, healthy when it exits 0"; };
      healthInterval = mkOption { type = types.nullOr types.str; default = null; description = "--health-interval, e.g. 30s"; };
      healthTimeout = mkOption { type = types.nullOr types.str; default = null; description = "--health-timeout, e.g. 30s"; };
      healthRetries = mkOption { type = types.nullOr types.ints.positive; default = null; description = "--health-retries: failures in a row that stop it (systemd restarts it)"; };
      healthStartPeriod = mkOption { type = types.nullOr types.str; default = null; description = "--health-start-period, e.g. 1m"; };
      readinessExec = mkOption { type = types.nullOr types.str; default = null; description = "--readiness-exec: READY=1 once this succeeds inside"; };
      readinessTcp = mkOption { type = types.nullOr types.port; default = null; description = "--readiness-tcp: READY=1 once 127.0.0.1:PORT inside accepts"; };
      extraArgs = mkOption { type = types.listOf types.str; default = [ ]; description = "More `nucleus run` options."; };
    };
  };
in
{
  options.services.nucleus = {
    package = mkOption {
      type = types.package;
      description = "The nucleus package (its bin/nucleus runs the containers).";
    };
    containers = mkOption {
      type = types.attrsOf container;
      default = { };
      description = "Containers, each run as the systemd service nucleus-<name>.";
    };
  };

  config = lib.mkIf (cfg.containers != { }) {
    systemd.services = lib.mapAttrs' (name: c:
      let nucleus = "${cfg.package}/bin/nucleus";
      in lib.nameValuePair "nucleus-${name}" {
        description = "nucleus container ${name}";
        wants = [ "network-online.target" ];
        after = [ "network-online.target" ];
        wantedBy = [ "multi-user.target" ];
        serviceConfig = {
          Type = "notify";
          NotifyAccess = "main";
          ExecStartPre = "-${utils.escapeSystemdExecArgs [ nucleus "rm" "-f" name ]}";
          ExecStart = utils.escapeSystemdExecArgs ([ nucleus ] ++ runArgs name c);
          KillMode = "mixed";
          TimeoutStopSec = 30;
          Restart = "on-failure";
          RestartSec = 2;
          Delegate = true;
          StandardOutput = "journal";
          StandardError = "journal";
          SyslogIdentifier = "nucleus-${name}";
          NoNewPrivileges = true;
          ProtectKernelModules = true;
          ProtectKernelLogs = true;
          RestrictRealtime = true;
        };
      }) cfg.containers;
  };
}
