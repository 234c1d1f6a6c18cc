#!/usr/bin/env bash
# Renders an SVG file to a PNG with headless Chromium, at the SVG's own size.
#
#   scripts/render-svg.sh FILE.svg [OUT.png]
#
# OUT.png defaults to FILE.png beside the SVG. The window size is read from the
# root element's width and height attributes (falling back to its viewBox), so
# the PNG has exactly the SVG's pixel size. Installs nothing: when Chromium is
# missing it says how to install it and exits with status 2.
set -euo pipefail

usage() { echo "usage: scripts/render-svg.sh FILE.svg [OUT.png]" >&2; exit 64; }
[[ $# -ge 1 && $# -le 2 ]] || usage

svg=$1
[[ -f "$svg" ]] || { echo "render-svg: no such file: $svg" >&2; exit 1; }
out=${2:-${svg%.svg}.png}

browser=""
for candidate in chromium chromium-browser chromium-headless-shell google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
if [[ -z "$browser" ]]; then
  # printf is a builtin, so this message needs nothing from PATH.
  printf '%s\n' \
    "render-svg: chromium is not installed; install it (about 400 MB, no upgrades) with" \
    "  apt-get install -y --no-install-recommends chromium" >&2
  exit 2
fi

# The root <svg ...> tag, joined onto one line.
root=$(tr '\n' ' ' <"$svg" | grep -o '<svg[^>]*>' | head -n 1 || true)
attribute() { grep -o " $1=\"[0-9.]*\"" <<<"$root" | head -n 1 | grep -o '[0-9.]*' || true; }
width=$(attribute width)
height=$(attribute height)
if [[ -z "$width" || -z "$height" ]]; then
  read -r _ _ width height < <(grep -o 'viewBox="[^"]*"' <<<"$root" | tr -d '"' | sed 's/viewBox=//') || true
fi
if [[ -z "${width:-}" || -z "${height:-}" ]]; then
  echo "render-svg: cannot find width and height (or a viewBox) on the <svg> element of $svg" >&2
  exit 1
fi
width=${width%.*}
height=${height%.*}

absolute=$(cd "$(dirname "$svg")" && pwd)/$(basename "$svg")
out_dir=$(cd "$(dirname "$out")" && pwd)
out_abs=$out_dir/$(basename "$out")
rm -f "$out_abs"

# --no-sandbox: Chromium refuses to run as root without it (platform-notes §6).
# Its stderr is noise (dbus, /dev/shm checks) unless the PNG fails to appear.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --default-background-color=ffffffff --screenshot="$out_abs" \
  --window-size="$width,$height" "file://$absolute" >"$log" 2>&1 || [[ ! -s "$out_abs" ]]; then
  echo "render-svg: $browser did not write $out_abs; its output was:" >&2
  cat "$log" >&2
  exit 1
fi
echo "$out_abs (${width}x${height})"
