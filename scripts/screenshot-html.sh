#!/usr/bin/env bash
# Renders an apileak HTML report in headless Chromium and saves a PNG: the manual check that
# the report renders (CI has no browser, so this is not part of `cargo test`).
#
#   cargo run -q -- demo --out-dir /tmp/apileak-demo
#   scripts/screenshot-html.sh /tmp/apileak-demo/report.html /tmp/apileak-matrix.png
#
# An optional third argument names an element to open first (as `report.html?open=ID`; the
# report's inline script opens the <details> it is in, without scrolling, because headless
# Chromium's --screenshot only captures the top of the page). Matrix cells are `c-<row>-<col>`
# (both from 0, rows in spec order, columns anonymous, forged token, A on B, enumeration,
# private data, other). Find a cell's id with, for bola-read on GET /members/{memberId}:
#
#   grep -o '<tr data-op="GET /members/{memberId}">.*' /tmp/apileak-demo/report.html \
#       | grep -o 'data-col="a-on-b"[^>]*><details id="[^"]*"'
#   WINDOW_SIZE=1400,1500 scripts/screenshot-html.sh /tmp/apileak-demo/report.html \
#       /tmp/apileak-cell.png c-4-2
#
# Optional environment: WINDOW_SIZE (default 1400,1000).
set -euo pipefail

usage() {
    echo "usage: $0 REPORT.html OUT.png [ELEMENT-ID]" >&2
    exit 2
}

[[ $# -ge 2 && $# -le 3 ]] || usage
report=$1
out=$2
open=${3:-}

chromium=/usr/bin/chromium
if [[ ! -x $chromium ]]; then
    cat >&2 <<'EOF'
error: /usr/bin/chromium not found.
Install Debian's Chromium (no snap, no download from elsewhere):
    sudo apt-get update && sudo apt-get install -y chromium
EOF
    exit 1
fi
if [[ ! -f $report ]]; then
    echo "error: report \`$report\` not found (generate one with \`apileak demo --out-dir DIR\`)" >&2
    exit 1
fi

# Chromium wants absolute paths for both the page and the output.
abs_report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
case $out in
    /*) abs_out=$out ;;
    *) abs_out=$(pwd)/$out ;;
esac
url="file://$abs_report"
if [[ -n $open ]]; then
    url="$url?open=$open"
fi

# A throwaway profile, and every background feature that would phone home switched off: the
# report itself loads nothing, and neither should the browser.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

"$chromium" \
    --headless \
    --no-sandbox \
    --disable-gpu \
    --disable-quic \
    --no-first-run \
    --disable-background-networking \
    --disable-component-update \
    --disable-sync \
    --hide-scrollbars \
    --virtual-time-budget=2000 \
    --user-data-dir="$profile" \
    --window-size="${WINDOW_SIZE:-1400,1000}" \
    --screenshot="$abs_out" \
    "$url" 2> >(grep -v -e 'dbus' -e 'Fontconfig' -e '^$' >&2 || true)

if [[ ! -s $abs_out ]]; then
    echo "error: chromium wrote no screenshot to $abs_out" >&2
    exit 1
fi
echo "wrote $abs_out"
