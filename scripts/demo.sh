#!/usr/bin/env bash
# Sets up, builds, and runs the demo on ./linkvault-demo.vault in the current
# directory: two tenants connect providers, test, reveal, disconnect, read the
# activity log and verify the audit chain; one tenant queues a sync job that a
# worker claims and runs with visible progress, imports a page of CRM clients
# inside a job (created, then unchanged), and refreshes an OAuth token.
set -euo pipefail
work_dir="$(pwd)"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$work_dir"
exec /usr/bin/python3 "$repo_root/examples/python/quickstart.py" "$work_dir/linkvault-demo.vault"
