# Evaluates nix/module.nix with a stand-in for nixpkgs' lib and NixOS' utils (only what the
# module uses; no nixpkgs on the test machines) for one container, and returns what the tests
# compare: the option names and the service the module makes.
let
  lib = rec {
    mkOption = o: o;
    types = {
      nullOr = t: t;
      listOf = t: t;
      nonEmptyListOf = t: t;
      attrsOf = t: t;
      submodule = m: m;
      str = "str";
      bool = "bool";
      path = "path";
      package = "package";
      ints.positive = "int";
      port = "port";
    };
    optionals = c: l: if c then l else [ ];
    optional = c: x: if c then [ x ] else [ ];
    concatMap = f: l: builtins.concatLists (map f l);
    inherit (builtins) concatLists;
    mapAttrsToList = f: a: map (k: f k a.${k}) (builtins.attrNames a);
    mkIf = c: v: if c then v else { };
    mapAttrs' = f: a: builtins.listToAttrs (mapAttrsToList f a);
    nameValuePair = name: value: { inherit name value; };
  };
  # One argument per line, so that the test sees the exact words.
  utils.escapeSystemdExecArgs = l: builtins.concatStringsSep "\n" l;
  web = {
    command = [ "/srv/server" "--port" "8080" ];
    rootfs = null;
    rootfsWritable = false;
    user = "1000:1000";
    workdir = null;
    memory = "512m";
    cpus = "1";
    pids = 64;
    network = "none";
    egressAllowDomains = [ ];
    environment = { MODE = "prod"; };
    volumes = [ "/srv/data:/data:ro" ];
    secrets = [ "/run/keys/db_pass:db_pass" ];
    capAdd = [ ];
    seccompProfile = null;
    seccompProfileSha256 = null;
    landlockPolicy = null;
    landlockPolicySha256 = null;
    capsPolicy = "/etc/nucleus/web-caps.toml";
    capsPolicySha256 = "00ff";
    healthCmd = "wget -qO- http://127.0.0.1:8080/health";
    healthInterval = "10s";
    healthTimeout = null;
    healthRetries = 3;
    healthStartPeriod = null;
    readinessExec = null;
    readinessTcp = 8080;
    extraArgs = [ "--timeout" "3600" ];
  };
  m = import ../../nix/module.nix {
    config.services.nucleus = { package = "/nix/store/nucleus"; containers.web = web; };
    inherit lib utils;
  };
  svc = m.config.systemd.services."nucleus-web";
in
{
  options = builtins.attrNames m.options.services.nucleus.containers.type.options;
  given = builtins.attrNames web;
  exec = svc.serviceConfig.ExecStart;
  pre = svc.serviceConfig.ExecStartPre;
  inherit (svc.serviceConfig) Type NotifyAccess Restart Delegate SyslogIdentifier;
  inherit (svc) wantedBy;
}
