#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian 12 packages the QEMU lab needs (scripts/lab/, `make lab`): the list and
# the reasons live in scripts/install-deps.sh (--lab). The kernel itself is downloaded with
# 'apt-get download' by scripts/lab/kernel.sh and unpacked under lab/.
set -euo pipefail
exec bash "$(dirname "$0")/../install-deps.sh" --lab
