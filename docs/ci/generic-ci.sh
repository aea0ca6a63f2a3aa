#!/usr/bin/env bash
# tollgate in any CI system: the same three steps as the GitHub Actions example.
# Set TOLLGATE_STAGE to "review" on merge requests and to "deploy" on the main branch.
set -euo pipefail

npm ci

case "${TOLLGATE_STAGE:-review}" in
  review)
    # 1. Validate; SARIF is understood by most code-review tools.
    npx tollgate validate --format sarif > tollgate.sarif || { npx tollgate validate; exit 1; }
    # 2. Plan; keep plan.json as a build artifact and post plan.md to the merge request. plan.md starts with
    #    the marker <!-- tollgate-plan -->: find tollgate's earlier comment by it and update that one.
    set +e
    npx tollgate plan --format markdown --detailed-exitcode -o plan.json > plan.md
    code=$?
    set -e
    [ "$code" -ne 1 ] || exit 1
    ;;
  deploy)
    # 3. Apply exactly the reviewed plan, fetched from the review pipeline's artifacts into plan.json.
    #    tollgate refuses it when the policies or the billing system changed since it was made.
    npx tollgate apply plan.json --yes --report apply-report.json
    ;;
  *)
    echo "TOLLGATE_STAGE must be review or deploy" >&2
    exit 64
    ;;
esac
