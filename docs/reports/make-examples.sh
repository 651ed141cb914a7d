#!/usr/bin/env bash
# Writes the example reports in this folder from a generated database (run from the repository's
# root after a build: ./expmgr builds the tool when needed).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/docs/reports"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
x() { "$root/expmgr" "$@" > /dev/null || [ $? -eq 1 ]; }
x generate -d experiments.db --experiments 3 --trials 3 --epochs 10 --legacy-metrics 12 \
  --orphans 8 --bad-json 4 --seed 7
x validate -d experiments.db --html "$out/validation.html" --overwrite
x cleanup-orphans -d experiments.db --dry-run --html "$out/cleanup.html" --overwrite
cat > scale.json <<'RULES'
{"metric_transformations": [{"metric_type": "loss", "transformation": "scale",
  "rules": {"factor": 0.5}}], "global_settings": {"backup_original": true}}
RULES
x transform-metrics -d experiments.db --transformation-file scale.json --batch-size 40 \
  --snapshot-dir snaps --report "$out/transform.html" --overwrite
x create-snapshot -d experiments.db --snapshot-dir snaps --tag milestone \
  --description "before the 2.1 upgrade"
x list-migrations -d experiments.db --html "$out/runs.html" --overwrite
x list-snapshots -d experiments.db --snapshot-dir snaps --html "$out/snapshots.html" --overwrite
x schema status -d experiments.db --html "$out/schema.html" --overwrite
chmod 644 "$out"/*.html
ls -l "$out"/*.html
