#!/usr/bin/env bash
# What the HTTP benchmarks need beyond the test suite, from Debian's packages: ApacheBench (the
# load generator, in C, so the client takes little of the CPU the server needs).
set -euo pipefail
command -v ab >/dev/null 2>&1 && exit 0
echo "Installing apache2-utils (ab)"
SUDO=$([ "$(id -u)" -ne 0 ] && echo sudo || true)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends apache2-utils >/dev/null
