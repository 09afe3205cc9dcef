#!/usr/bin/env bash
# Debian's chromium for the browser tests (tests/e2e), installed only when /usr/bin/chromium is missing.
# Playwright drives it through executable_path; Playwright's own browser download is not used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
