#!/usr/bin/env bash
# Machine packages the lab and the e2e journeys need. Idempotent and quick when all are present.
# Runs as root (as on these machines); apt mirrors come from the machine's own sources.
set -euo pipefail
need=(docker.io openssh-server openssh-client debootstrap chromium socat iproute2 python3 fonts-dejavu-core)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A container registry for the base-image check's tests: only its binary, unpacked from the Debian
# package into the lab cache (installing the package would start a registry on every interface).
REGISTRY_DIR="${FLIPDECK_LAB_DIR:-/var/cache/flipdeck-lab}/registry"
registry_missing=0
[ -x "$REGISTRY_DIR/usr/bin/docker-registry" ] || registry_missing=1
if [ ${#missing[@]} -eq 0 ] && [ $registry_missing -eq 0 ]; then
  echo "machine packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing: ${missing[*]}$([ $registry_missing -eq 1 ] && echo " docker-registry (binary)") — run this as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "machine packages: installed ${missing[*]}"
fi
if [ $registry_missing -eq 1 ]; then
  mkdir -p "$REGISTRY_DIR"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download docker-registry >/dev/null 2>&1 && dpkg-deb -x docker-registry_*.deb "$REGISTRY_DIR")
  rm -rf "$tmp"
  [ -x "$REGISTRY_DIR/usr/bin/docker-registry" ] && echo "registry binary: unpacked into $REGISTRY_DIR"
fi
