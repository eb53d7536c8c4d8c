#!/usr/bin/env bash
# Browser tests drive Debian's chromium (never a downloaded browser). Install it when we may.
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/sabak-apt-chromium.log 2>&1 \
    || { echo "apt-get could not install chromium (see /tmp/sabak-apt-chromium.log); browser tests will be skipped."; exit 0; }
else
  echo "chromium is missing and this is not root: browser tests will be skipped (apt-get install chromium)."
fi
