#!/usr/bin/env bash
# Bring up the real test environment, idempotently:
#   Docker engine (Debian docker.io) with bit:5000 as an insecure registry,
#   a real registry (Debian docker-registry) on 127.0.0.1:5000 with `bit` -> 127.0.0.1,
#   local base images (nothing can be pulled here) and emulations of the cluster images
#   under their real names (bit:5000/deepo_9, ...), built from the bundled profile.
# Used by the README commands, .ci/run and the test fixtures. Safe to run again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${IMAGESMITH_CACHE:-/var/cache/imagesmith}"
log_dir="${IMAGESMITH_LOG_DIR:-/var/log/imagesmith}"
python="${PYTHON:-python3}"
mkdir -p "$cache" "$log_dir"

say() { printf '[test-env] %s\n' "$*"; }
die() { printf '[test-env] error: %s\n' "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root (installs packages, starts dockerd)"; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v ip >/dev/null || missing+=(iproute2)
  # Headless browser for the review --html test.
  command -v chromium >/dev/null || missing+=(chromium)
  # A CJK font, so the review page's Chinese renders (checked on a screenshot).
  dpkg -s fonts-wqy-zenhei >/dev/null 2>&1 || missing+=(fonts-wqy-zenhei)
  # A real scheduler for verify --on: Slurm on localhost, its munge authentication.
  command -v slurmctld >/dev/null || missing+=(slurmctld)
  command -v slurmd >/dev/null || missing+=(slurmd)
  command -v sbatch >/dev/null || missing+=(slurm-client)
  command -v munged >/dev/null || missing+=(munge)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log_dir/apt.log" 2>&1 \
      || { tail -20 "$log_dir/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
}

docker_ok() { docker info >/dev/null 2>&1; }

configure_daemon() {
  mkdir -p /etc/docker
  local want='{"insecure-registries": ["bit:5000"], "log-driver": "json-file"}'
  if [ ! -f /etc/docker/daemon.json ] || ! grep -q '"bit:5000"' /etc/docker/daemon.json; then
    printf '%s\n' "$want" > /etc/docker/daemon.json
    if docker_ok; then
      say "restarting dockerd to trust bit:5000"
      stop_dockerd
    fi
  fi
}

stop_dockerd() {
  # the first engine only (the second one, on $REMOTE_ENGINE, has its own pid file)
  local pid p
  pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then  # no pid file: the dockerd that is not ours
    pid=""
    for p in $(pgrep -x dockerd || true); do
      tr '\0' ' ' < "/proc/$p/cmdline" | grep -q imagesmith2 || pid=$p
    done
  fi
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
  fi
}

start_dockerd() {
  if docker_ok && ! ip link show docker0 >/dev/null 2>&1; then
    # containers cannot start without it (an earlier second dockerd with --bridge=none removed
    # it): a restart makes dockerd create it again
    say "docker0 is gone: restarting dockerd"
    stop_dockerd
  fi
  if docker_ok; then return 0; fi
  say "starting dockerd"
  # A stale pid file from a dead daemon blocks a new one.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  setsid nohup dockerd >"$log_dir/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    if [ -S /var/run/docker.sock ] && docker_ok; then say "dockerd is up"; return 0; fi
    sleep 1
  done
  tail -20 "$log_dir/dockerd.log" >&2 || true
  die "dockerd did not answer on /var/run/docker.sock within 60 s"
}

map_bit_host() {
  if ! grep -Eq '^[[:space:]]*127\.0\.0\.1([[:space:]].*)?[[:space:]]bit([[:space:]]|$)' /etc/hosts; then
    echo '127.0.0.1 bit' >> /etc/hosts
    say "mapped bit -> 127.0.0.1 in /etc/hosts"
  fi
}

registry_ok() {
  "$python" - <<'PY' 2>/dev/null
import urllib.request, sys
try:
    with urllib.request.urlopen("http://127.0.0.1:5000/v2/", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

start_registry() {
  if registry_ok; then return 0; fi
  say "starting docker-registry on 127.0.0.1:5000"
  mkdir -p /etc/imagesmith /var/lib/imagesmith-registry
  cat > /etc/imagesmith/registry.yml <<'YML'
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/imagesmith-registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YML
  setsid nohup docker-registry serve /etc/imagesmith/registry.yml >"$log_dir/registry.log" 2>&1 < /dev/null &
  for _ in $(seq 1 30); do registry_ok && { say "registry is up"; return 0; }; sleep 1; done
  tail -20 "$log_dir/registry.log" >&2 || true
  die "docker-registry did not answer on 127.0.0.1:5000 within 30 s"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

build_busybox() {
  local ref="imagesmith/busybox:latest"
  image_exists "$ref" && return 0
  say "importing $ref from busybox-static"
  local root; root="$(mktemp -d)"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
  cp /bin/busybox "$root/bin/busybox"
  for app in $("$root/bin/busybox" --list); do
    [ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -cf - . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$ref" >/dev/null
  rm -rf "$root"
}

build_debian() {
  local ref="imagesmith/debian:bookworm"
  image_exists "$ref" && return 0
  local tarball="$cache/bookworm-minbase-python.tar"
  if [ ! -s "$tarball" ]; then
    say "debootstrap bookworm minbase (+python3, pip) into a rootfs"
    local root; root="$(mktemp -d)"
    debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
      bookworm "$root" http://deb.debian.org/debian >"$log_dir/debootstrap.log" 2>&1 \
      || { tail -20 "$log_dir/debootstrap.log" >&2; die "debootstrap failed"; }
    # The host's CA bundle includes the proxy CA that HTTPS to PyPI passes through.
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/ca-certificates/imagesmith-host-bundle.crt"
    # Old cluster images predate PEP 668; let pip install into the system like they do.
    rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$root"
  fi
  say "importing $ref"
  docker import -c 'CMD ["/bin/bash"]' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' "$tarball" "$ref" >/dev/null
}

# nvidia-tensorflow-17.05 really runs Python 2.7: its emulation starts from Debian bullseye,
# the last Debian with python2.7, and pip 20.3.4 (the last for 2.7) from bullseye's own wheels.
build_bullseye_py27() {
  local ref="imagesmith/debian:bullseye-py27"
  image_exists "$ref" && return 0
  local tarball="$cache/bullseye-minbase-python2.7.tar"
  if [ ! -s "$tarball" ]; then
    say "debootstrap bullseye minbase (+python2.7, pip 20.3.4) into a rootfs"
    local root; root="$(mktemp -d)"
    debootstrap --variant=minbase --include=python2.7,python-pip-whl,ca-certificates \
      bullseye "$root" http://deb.debian.org/debian >"$log_dir/debootstrap-bullseye.log" 2>&1 \
      || { tail -20 "$log_dir/debootstrap-bullseye.log" >&2; die "debootstrap bullseye failed"; }
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    local wheels=/usr/share/python-wheels
    chroot "$root" /usr/bin/python2.7 "$(ls "$root$wheels"/pip-*.whl | sed "s|^$root||")/pip" \
      install -q --no-index --find-links "$wheels" pip setuptools wheel pkg_resources \
      >>"$log_dir/debootstrap-bullseye.log" 2>&1 \
      || { tail -20 "$log_dir/debootstrap-bullseye.log" >&2; die "pip for python2.7 failed"; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/root/.cache
    tar -C "$root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$root"
  fi
  say "importing $ref"
  docker import -c 'CMD ["/bin/bash"]' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' "$tarball" "$ref" >/dev/null
}

# A second engine on a loopback TCP port, for the remote-engine tests (--host/DOCKER_HOST):
# its own data root, no bridge network, busybox loaded into it. Plain TCP, loopback only.
REMOTE_ENGINE=tcp://127.0.0.1:23750
start_second_dockerd() {
  if DOCKER_HOST=$REMOTE_ENGINE docker info >/dev/null 2>&1; then return 0; fi
  say "starting a second dockerd on $REMOTE_ENGINE"
  mkdir -p /var/lib/imagesmith-docker2 /var/run/imagesmith-docker2 /etc/docker
  printf '%s\n' '{"insecure-registries": ["bit:5000"], "log-driver": "json-file"}' \
    > /etc/docker/daemon-imagesmith2.json
  # Its own bridge: `--bridge=none` would make this dockerd delete docker0, the first one's.
  if ! ip link show imagesmith2 >/dev/null 2>&1; then
    ip link add name imagesmith2 type bridge && ip addr add 172.31.254.1/24 dev imagesmith2 \
      && ip link set imagesmith2 up || die "cannot create the bridge imagesmith2 (iproute2)"
  fi
  setsid nohup dockerd --config-file /etc/docker/daemon-imagesmith2.json --host "$REMOTE_ENGINE" \
    --data-root /var/lib/imagesmith-docker2 --exec-root /var/run/imagesmith-docker2 \
    --pidfile /var/run/imagesmith-docker2.pid --bridge imagesmith2 --iptables=false --ip-masq=false \
    >"$log_dir/dockerd2.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    if DOCKER_HOST=$REMOTE_ENGINE docker info >/dev/null 2>&1; then break; fi
    sleep 1
  done
  DOCKER_HOST=$REMOTE_ENGINE docker info >/dev/null 2>&1 \
    || { tail -20 "$log_dir/dockerd2.log" >&2; die "the second dockerd did not answer on $REMOTE_ENGINE"; }
}

load_into_second_dockerd() {
  if DOCKER_HOST=$REMOTE_ENGINE docker image inspect imagesmith/busybox:latest >/dev/null 2>&1; then
    return 0
  fi
  docker save imagesmith/busybox:latest | DOCKER_HOST=$REMOTE_ENGINE docker load >/dev/null \
    || die "loading busybox into the second dockerd failed"
}

# The real SARIF client: Microsoft's sarif-multitool (validate, with the SARIF and GitHub rule
# kinds) and the official SARIF 2.1.0 schema it ships, from the npm registry, cached.
SARIF_TOOL_DIR=/var/cache/imagesmith/sarif-multitool
install_sarif_multitool() {
  local bin="$SARIF_TOOL_DIR/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
  if [ -x "$bin" ] && [ -f "${bin%/*}/sarif-2.1.0.json" ]; then return 0; fi
  command -v npm >/dev/null || die "npm is missing: it installs @microsoft/sarif-multitool"
  say "installing @microsoft/sarif-multitool 5.7.0 from npm"
  mkdir -p "$SARIF_TOOL_DIR"
  (cd "$SARIF_TOOL_DIR" && npm install --no-audit --no-fund --loglevel=error \
      @microsoft/sarif-multitool@5.7.0 >"$log_dir/npm.log" 2>&1) \
    || { tail -20 "$log_dir/npm.log" >&2; die "npm install @microsoft/sarif-multitool failed"; }
  chmod u+x "$bin"  # its postinstall script does this; npm may not run install scripts
}

install_startdocker() {
  # the guide's startdocker, as a test double over the local engine (test environment only)
  install -m 0755 "$here/startdocker-double.sh" /usr/local/bin/startdocker
  mkdir -p /ghome
}

slurm_ok() { sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }

start_slurm() {
  # One node, this machine, three partitions: batch (default) and mcc as the guide's queues,
  # and `full`, which is DOWN: jobs sent there stay queued (the "queue full" case).
  local node conf=/etc/slurm/slurm.conf
  node="$(hostname -s)"
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
  if ! grep -q "^NodeName=$node " "$conf" 2>/dev/null; then
    say "writing $conf for node $node"
    cat >"$conf" <<CONF
# written by imagesmith scripts/test-env.sh: the local stand-in for the cluster's scheduler
ClusterName=imagesmith
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
KillWait=5
MinJobAge=600
InactiveLimit=0
NodeName=$node CPUs=$(nproc) State=UNKNOWN
PartitionName=batch Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
PartitionName=mcc Nodes=$node MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
PartitionName=full Nodes=$node MaxTime=INFINITE State=DOWN
CONF
  fi
  [ -s /etc/munge/munge.key ] || { mungekey --create >/dev/null 2>&1 || \
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; }
  chown munge:munge /etc/munge/munge.key /run/munge 2>/dev/null || true
  chmod 0400 /etc/munge/munge.key
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "starting munged"
    runuser -u munge -- munged 2>/dev/null || munged --force
  fi
  pgrep -x slurmctld >/dev/null || { say "starting slurmctld"; slurmctld; }
  pgrep -x slurmd >/dev/null || { say "starting slurmd"; slurmd; }
  local i
  for i in $(seq 1 30); do
    slurm_ok && { say "slurm is up: $(sinfo -h -o '%P %a' | tr '\n' ' ')"; return 0; }
    [ "$i" = 5 ] && scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true
    sleep 1
  done
  tail -5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
  die "slurm did not come up (see /var/log/slurm)"
}

build_cluster_images() {
  "$python" "$here/cluster_images.py" --base imagesmith/debian:bookworm \
    --base-py27 imagesmith/debian:bullseye-py27
}

main() {
  need_root
  install_packages
  configure_daemon
  start_dockerd
  map_bit_host
  start_registry
  build_busybox
  build_debian
  build_bullseye_py27
  build_cluster_images
  install_sarif_multitool
  install_startdocker
  start_slurm
  start_second_dockerd
  load_into_second_dockerd
  say "ready: engine $(docker version -f '{{.Server.Version}}'), registry bit:5000, images:"
  docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^(imagesmith/|bit:5000/)' | sort | sed 's/^/  /' || true
}

main "$@"
