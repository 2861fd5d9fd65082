#!/bin/sh
# Prepares a fresh Linux or macOS machine for bookout: Node.js >= 22.18, the npm packages
# (exact versions from package-lock.json), a Chromium-based browser, and on Debian/Ubuntu as root
# what the tests need besides (dbus and gnome-keyring for the keychain test).
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

# The keychain test needs a real Secret Service: GNOME Keyring in a D-Bus session of its own.
apt_updated=no
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
  ! { command -v dbus-run-session && command -v gnome-keyring-daemon; } >/dev/null 2>&1; then
  echo "setup: installing dbus and gnome-keyring from the Debian/Ubuntu packages (for the keychain test)"
  apt-get update -qq && apt_updated=yes
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dbus gnome-keyring >/dev/null
fi

if node --input-type=module -e "const m = await import('./src/browser/find-browser.ts'); const b = m.findBrowser(process.env.BROWSER_PATH || undefined); console.log('setup: browser ' + b.executablePath);" 2>/dev/null; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "setup: installing Chromium from the Debian/Ubuntu packages"
  [ "$apt_updated" = yes ] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  npx playwright-core install chromium
fi
node --input-type=module -e "const m = await import('./src/browser/find-browser.ts'); console.log('setup: browser ' + m.findBrowser().executablePath);"
