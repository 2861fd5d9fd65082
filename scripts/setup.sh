#!/bin/sh
# Prepares a fresh Linux or macOS machine for bookout: Node.js >= 22.18, the npm packages
# (exact versions from package-lock.json), a Chromium-based browser, and on Debian/Ubuntu as root
# what some tests need besides (tmux for the terminal test; dbus and gnome-keyring for the keychain
# test; PostgreSQL for the queue tests, which start and stop a cluster of their own; elsewhere those
# tests are skipped and say why).
# On Windows, see the README (install Node.js 24, then `npm ci`; Edge is found automatically).
set -eu
cd "$(dirname "$0")/.."

# 22.18 is the first release that runs .ts files without a flag (type stripping).
node_new_enough() {
  node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 22 || (major === 22 && minor >= 18) ? 0 : 1)' 2>/dev/null
}

if ! node_new_enough; then
  if [ "$(id -u)" = 0 ] && [ -d /usr/local/bin ]; then
    echo "setup: installing Node.js 24 into /usr/local (found $(node --version 2>/dev/null || echo none))"
    npm install -g --prefix /usr/local --no-fund --no-audit node@24 >/dev/null
    hash -r 2>/dev/null || true
  fi
  if ! node_new_enough; then
    echo "setup: bookout needs Node.js 22.18 or newer (24 recommended), found $(node --version 2>/dev/null || echo none). Install it from https://nodejs.org and run this again." >&2
    exit 1
  fi
fi
echo "setup: node $(node --version)"

npm ci --no-fund --no-audit

can_apt() { command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; }
apt_updated=no
apt_install() {
  [ "$apt_updated" = yes ] || { apt-get update -qq && apt_updated=yes; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=""
command -v tmux >/dev/null 2>&1 || missing="$missing tmux"
command -v dbus-run-session >/dev/null 2>&1 || missing="$missing dbus"
command -v gnome-keyring-daemon >/dev/null 2>&1 || missing="$missing gnome-keyring"
# Only the server's programs (initdb, pg_ctl) are used: the tests run their own cluster in a temporary folder.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
if [ -n "$missing" ] && can_apt; then
  echo "setup: installing$missing from the Debian/Ubuntu packages (for the tests)"
  # shellcheck disable=SC2086
  apt_install $missing || echo "setup: could not install$missing; the tests that need them will be skipped" >&2
fi

# Where Chromium comes from the packages, its headless shell too: headless runs need about a third less CPU with it.
if can_apt && [ -x /usr/bin/chromium ] && [ ! -x /usr/lib/chromium/chromium-headless-shell ]; then
  echo "setup: installing chromium-headless-shell from the Debian/Ubuntu packages"
  apt_install chromium-headless-shell || echo "setup: could not install chromium-headless-shell; the full Chromium is used" >&2
fi

if node --input-type=module -e "const m = await import('./src/browser/find-browser.ts'); const b = m.findBrowser(process.env.BROWSER_PATH || undefined); console.log('setup: browser ' + b.executablePath);" 2>/dev/null; then
  exit 0
fi
if can_apt; then
  echo "setup: installing Chromium from the Debian/Ubuntu packages"
  apt_install chromium chromium-headless-shell
else
  npx playwright-core install chromium
fi
node --input-type=module -e "const m = await import('./src/browser/find-browser.ts'); console.log('setup: browser ' + m.findBrowser().executablePath);"
