#!/usr/bin/env bash
# Install Debian packages the tests use, without starting or enabling their services.
#
# Debian's prometheus and prometheus-pushgateway packages start their daemons on install and
# enable them at every boot (listening on :9090 and :9091). The tests start their own instances
# on free loopback ports, so on install nothing is started (policy-rc.d answers 101, "action
# forbidden") and the units the packages enabled are disabled again.
set -euo pipefail
[ "$#" -gt 0 ] || exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod 755 "$policy"
	trap '$sudo rm -f "$policy"' EXIT
fi

$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"

if command -v deb-systemd-helper >/dev/null 2>&1; then
	for package in "$@"; do
		# Most packages have no service: grep finding none must not end the script (pipefail).
		units=$(dpkg -L "$package" 2>/dev/null | grep -E '^/(usr/)?lib/systemd/system/[^/@]+\.service$' || true)
		for unit in $units; do
			$sudo env DPKG_MAINTSCRIPT_PACKAGE="$package" deb-systemd-helper disable "$(basename "$unit")" || true
		done
	done
fi
