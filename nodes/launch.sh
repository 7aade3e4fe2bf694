#!/usr/bin/env bash
# Starts one node of a lab: `nodes/launch.sh main|gpu|mac`. Sourced by nodes/<role>/run.
#
# Each node keeps its CURVE key pair in its data dir (made on first start with `paperd keys node`)
# and must be told where its peers are and which public keys to trust:
#   PAPERD_MAIN_ADDR / PAPERD_GPU_ADDR / PAPERD_MAC_ADDR   tcp://host:port of each node's link
#   PAPERD_MAIN_KEY  / PAPERD_GPU_KEY  / PAPERD_MAC_KEY    each node's public key (printed at its first start)
# A peer whose address or key is not given is left out. PAPERD_DATA overrides the data dir.
set -euo pipefail
role="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
paperd="$here/../bin/paperd.js"
data="${PAPERD_DATA:-$here/../data-$role}"
mkdir -p "$data"
if [ ! -f "$data/node-key.json" ]; then
  node "$paperd" keys node --data "$data"
fi
echo "this node ($role) public key: $(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).publicKey)' "$data/node-key.json")" >&2

peers=()
for peer in main gpu mac; do
  [ "$peer" = "$role" ] && continue
  upper="$(echo "$peer" | tr '[:lower:]' '[:upper:]')"
  addr_var="PAPERD_${upper}_ADDR"
  key_var="PAPERD_${upper}_KEY"
  if [ -n "${!addr_var:-}" ] && [ -n "${!key_var:-}" ]; then
    peers+=("{\"name\":\"$peer\",\"address\":\"${!addr_var}\",\"publicKey\":\"${!key_var}\"}")
  else
    echo "no $addr_var and $key_var: $peer is not a peer of this node" >&2
  fi
done
export PAPERD_LINK_PEERS="[$(IFS=,; echo "${peers[*]:-}")]"
exec node "$paperd" up --node "$role" --config "$here/$role/config.json" --data "$data" "${@:2}"
