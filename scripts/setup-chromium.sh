#!/usr/bin/env bash
# The headless browser the report tests open pages in: Debian's chromium (browser downloads are not
# reachable), installed only when missing. MATHTUNE_CHROMIUM names another binary and skips this.
set -euo pipefail
if [[ -n "${MATHTUNE_CHROMIUM:-}" && -x "$MATHTUNE_CHROMIUM" ]]; then exit 0; fi
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "no /usr/bin/chromium and no apt-get: install Chromium and set MATHTUNE_CHROMIUM to its path" >&2
  exit 1
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "==> installing chromium (for the report tests)" >&2
$sudo apt-get update >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium >&2
