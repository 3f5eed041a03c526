#!/usr/bin/env bash
# ensure-apt.sh COMMAND PACKAGE: installs PACKAGE with apt when COMMAND is missing (CI runs on a clean
# machine). Idempotent; needs root (or sudo) only when something must be installed.
set -euo pipefail
cmd="$1"
pkg="$2"
if command -v "$cmd" >/dev/null 2>&1; then exit 0; fi
echo "ensure-apt: $cmd not found, installing the $pkg package" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
command -v "$cmd" >/dev/null 2>&1 || { echo "ensure-apt: $pkg installed but $cmd is still missing" >&2; exit 1; }
