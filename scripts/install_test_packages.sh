#!/usr/bin/env bash
# The system packages the tests need, from Debian's archive, each installed only when missing:
# - chromium (and a font) for the browser tests (tests/e2e): Playwright drives /usr/bin/chromium through
#   executable_path; Playwright's own browser download is not used;
# - nginx for the replica tests (tests/e2e/test_replicas.py) and the load benchmark through the proxy: they run
#   deploy/nginx.conf in the foreground on loopback (Debian's package may also start its own service on port 80;
#   the tests don't use it).
# As root, or through sudo.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
/usr/bin/chromium --version
/usr/sbin/nginx -v
