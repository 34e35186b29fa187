#!/usr/bin/env bash
# Installs the Debian packages VMS and its tests need, idempotently: nothing is fetched when
# everything is already there. ffmpeg/ffprobe and GStreamer are independent peers for the tests
# (gstreamer1.0-x holds the pango plugin, whose timeoverlay burns the clock into the GStreamer test
# camera's picture). PostgreSQL is the second database the storage tests run on. Chromium (with its
# proprietary codecs, so H.264 in MSE) is the browser the browser tests drive through Playwright.
# Mosquitto is the MQTT broker the event delivery tests and bench/events.py publish to (each
# starts its own on a free port; mosquitto_passwd, in the same package, makes their users).
set -euo pipefail

packages=(
  ffmpeg
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-x gir1.2-gst-rtsp-server-1.0 python3-gi
  postgresql-15
  chromium
  mosquitto
)
# npm installs the browser tests' JavaScript (hls.js, `make setup`); any Node.js that has npm will do.
if ! command -v npm >/dev/null; then packages+=(nodejs npm); fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup-system: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a default cluster on install; the tests run their own throwaway servers.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
  "${sudo_cmd[@]}" pg_ctlcluster 15 main stop || true
fi
# Likewise the system's own broker, where a service manager started one.
if command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
  "${sudo_cmd[@]}" systemctl stop mosquitto || true
fi
