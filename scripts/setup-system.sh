#!/bin/sh
# Install the Debian/Ubuntu packages behind the given needs (npm, venv, chromium) if missing.
set -eu
packages=""
for need in "$@"; do
  case "$need" in
    npm) command -v npm >/dev/null || packages="$packages nodejs npm" ;;
    venv) python3 -c "import ensurepip, venv" 2>/dev/null || packages="$packages python3-venv" ;;
    chromium) [ -x /usr/bin/chromium ] || packages="$packages chromium" ;;
    *) echo "setup-system.sh: unknown need '$need'" >&2; exit 2 ;;
  esac
done
[ -z "$packages" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing with apt-get:$packages"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $packages
