#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages, only where it is missing:
# Chromium and a CJK font for the browser tests, Node.js and npm for axe-core (the accessibility
# checks), and a PostgreSQL server with the RUM index (search ranked from the index; the GIN index
# is the fallback where a server lacks it).
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || need+=(fonts-wqy-microhei)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if ! ls /usr/share/postgresql/*/extension/rum.control >/dev/null 2>&1; then
  # the RUM build for the server installed (or about to be): Debian's postgresql-<major>-rum
  major=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
  need+=("postgresql-${major:-15}-rum")
fi
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing system packages: ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
