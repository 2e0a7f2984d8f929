#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vsockdiag export -f pcap read back by tshark on every lab pair, and its edges (the checks
# are in export_pcap.py: parsing tshark's fields and correlate's JSON is easier there).
# Runs without root. Uses $VSOCKDIAG (default build/vsockdiag); needs tshark
# (scripts/install-deps.sh --test). Prints "export-pcap: N passed, M failed".
set -u
exec python3 "$(dirname "$0")/export_pcap.py" "$@"
