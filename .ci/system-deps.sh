#!/usr/bin/env bash
# Installs the Debian packages Touchpoint needs, only when they are missing:
#   java:   openjdk-17-jre-headless (the engine on a local SparkSession: `--engine spark`, Spark tests)
#   test:   java, plus chromium (headless browser tests) and libzbar0 (decoding generated QR codes)
# Usage: system-deps.sh [java|test]   (default: test)
set -euo pipefail
what="${1:-test}"
need=()
java_ok() { command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -Eq 'version "(1[7-9]|2[0-9])'; }
java_ok || need+=(openjdk-17-jre-headless)
if [ "$what" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  ldconfig -p 2>/dev/null | grep -q libzbar.so || need+=(libzbar0)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# the JRE's post-install step needs this folder, which slim images lack
$SUDO mkdir -p /usr/share/man/man1
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
