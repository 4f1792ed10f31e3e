#!/usr/bin/env bash
# Machine packages the lab and the e2e journeys need. Idempotent and quick when all are present.
# Runs as root (as on these machines); apt mirrors come from the machine's own sources.
set -euo pipefail
need=(docker.io openssh-server openssh-client debootstrap chromium socat iproute2 python3 fonts-dejavu-core)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "machine packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]} — run this as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "machine packages: installed ${missing[*]}"
