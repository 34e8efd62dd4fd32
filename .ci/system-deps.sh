#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when they are missing:
# chromium (headless browser tests) and libzbar0 (decoding generated QR codes).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q libzbar.so || need+=(libzbar0)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
