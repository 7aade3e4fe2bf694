#!/usr/bin/env bash
# Makes sure a Docker engine answers: starts dockerd when none runs and waits for it.
# This machine's dockerd runs without iptables or a bridge: sandbox runs use no network at all.
# A dockerd started here keeps running after the script (CI and the sandbox tests use it).
set -euo pipefail
log="${PAPERD_DOCKERD_LOG:-/var/log/paperd-dockerd.log}"
# gVisor (optional, sandbox.runtime = runsc): ptrace works without KVM, and runsc keeps its own
# network off. Registered only in a daemon.json we create; an existing one is the machine's.
runsc_hint() {
  if command -v runsc >/dev/null && ! docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then
    echo "docker engine: runsc is installed but not registered; add to /etc/docker/daemon.json:" >&2
    echo '  {"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace", "--network=none"]}}}' >&2
  fi
}
if docker info >/dev/null 2>&1; then
  echo "docker engine: up"
  runsc_hint
  exit 0
fi
if command -v runsc >/dev/null && [ ! -e /etc/docker/daemon.json ]; then
  mkdir -p /etc/docker
  printf '%s\n' '{"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace", "--network=none"]}}}' > /etc/docker/daemon.json
fi
if ! command -v dockerd >/dev/null; then
  echo "docker engine: dockerd is not installed (apt-get install docker.io)" >&2
  exit 1
fi
if ! pgrep -x dockerd >/dev/null; then
  echo "docker engine: starting dockerd (log: $log)"
  setsid dockerd --iptables=false --ip-masq=false --bridge=none >>"$log" 2>&1 < /dev/null &
fi
for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    echo "docker engine: up"
    runsc_hint
    exit 0
  fi
  sleep 0.5
done
echo "docker engine: dockerd did not answer within 60 s; see $log" >&2
tail -n 20 "$log" >&2 || true
exit 1
