#!/bin/sh
# Hourly drift check of one AWS scope against its approved baseline in the store.
# Exit codes (pathwarden drift): 0 no drift, 1 error or partial estate, 2 drift.
set -u
STORE=${PATHWARDEN_STORE:-/var/lib/pathwarden/pathwarden.db}
POLICY=${PATHWARDEN_POLICY:-/etc/pathwarden/policy.yml}
REPORTS=${PATHWARDEN_REPORTS:-/var/lib/pathwarden/reports}
REGIONS=${PATHWARDEN_REGIONS:-eu-west-1,us-east-1}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

mkdir -p "$REPORTS"
pathwarden drift --live aws --regions "$REGIONS" \
    --store "$STORE" --policy "$POLICY" --record \
    --format json --out "$REPORTS/drift-$STAMP.json"
rc=$?
case $rc in
  0) ;;
  2) echo "pathwarden: drift found, see $REPORTS/drift-$STAMP.json" >&2 ;;
  *) echo "pathwarden: drift check failed or the estate was partial (exit $rc)" >&2 ;;
esac
# The audit log must still be intact; a broken chain is worth a page too.
pathwarden store --store "$STORE" verify || rc=2
exit $rc
