#!/usr/bin/env bash
# tollgate in any CI system: the same three steps as the GitHub Actions example.
# Set TOLLGATE_STAGE to "review" on merge requests and to "deploy" on the main branch.
# tollgate comes from the policy repository's package-lock.json (tollgate as a devDependency, see
# docs/ci.md) or, without one, from TOLLGATE_PACKAGE: a tollgate tarball (npm pack) or git URL.
# Sandbox keys by default; TOLLGATE_LIVE=true adds --live, which plan and apply need for a production key.
set -euo pipefail

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-save --no-package-lock --no-audit --no-fund "${TOLLGATE_PACKAGE:?set TOLLGATE_PACKAGE to a tollgate tarball or git URL}"
fi

live=""
case "${TOLLGATE_LIVE:-false}" in
  true) live="--live" ;;
  false) ;;
  *) echo "TOLLGATE_LIVE must be true or false" >&2; exit 64 ;;
esac

# --no: use the tollgate installed above, never a package of that name fetched from a registry.
case "${TOLLGATE_STAGE:-review}" in
  review)
    # 1. Validate; SARIF is understood by most code-review tools.
    npx --no tollgate validate --format sarif > tollgate.sarif || { npx --no tollgate validate; exit 1; }
    # 2. Plan; keep plan.json as a build artifact and post plan.md to the merge request. plan.md starts with
    #    the marker <!-- tollgate-plan -->: find tollgate's earlier comment by it and update that one.
    set +e
    npx --no tollgate plan $live --format markdown --detailed-exitcode -o plan.json > plan.md
    code=$?
    set -e
    # 0: no changes, 2: changes to review; anything else is a failure.
    [ "$code" -eq 0 ] || [ "$code" -eq 2 ] || exit "$code"
    ;;
  deploy)
    # 3. Apply exactly the reviewed plan, fetched from the review pipeline's artifacts into plan.json.
    #    tollgate refuses it when the policies or the billing system changed since it was made.
    npx --no tollgate apply plan.json $live --yes --report apply-report.json
    ;;
  *)
    echo "TOLLGATE_STAGE must be review or deploy" >&2
    exit 64
    ;;
esac
