#!/usr/bin/env bash
# Installs the system packages the interop tests need: stock Qt 6 and Qt 5.15 Remote Objects
# (headers, libraries, repc), CMake and Ninja, and PyQt6's QtRemoteObjects.
# Idempotent: does nothing when everything is present. Needs root (or sudo) only when installing.
set -euo pipefail

packages=(
  qt6-remoteobjects-dev qt6-base-dev libqt6remoteobjects6-bin
  libqt5remoteobjects5-dev qtbase5-dev libqt5remoteobjects5-bin
  cmake ninja-build g++ tzdata valgrind python3-pyqt6.qtremoteobjects
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-qt-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# A lock file keeps concurrent test processes from running apt at the same time.
exec 9>/tmp/qtro_rs-apt.lock
flock 9
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
