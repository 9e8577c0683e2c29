#!/bin/sh
# Install the Debian/Ubuntu packages behind the given needs (npm, venv, browsers) if missing.
set -eu
packages=""
for need in "$@"; do
  case "$need" in
    npm) command -v npm >/dev/null || packages="$packages nodejs npm" ;;
    venv) python3 -c "import ensurepip, venv" 2>/dev/null || packages="$packages python3-venv" ;;
    chromium) [ -x /usr/bin/chromium ] || packages="$packages chromium" ;;
    firefox) [ -x /usr/bin/firefox-esr ] || packages="$packages firefox-esr" ;;
    webkit)
      [ -x /usr/bin/WebKitWebDriver ] || packages="$packages webkit2gtk-driver"
      command -v xvfb-run >/dev/null || packages="$packages xvfb"
      ;;
    *) echo "setup-system.sh: unknown need '$need'" >&2; exit 2 ;;
  esac
done
[ -z "$packages" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing with apt-get:$packages"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $packages
