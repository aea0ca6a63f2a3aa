/** The closed set of diagnostic codes. Codes are stable: tools and CI filters match on them. */
export const DIAGNOSTIC_CODES = {
  // files and YAML
  'dir-not-found': { severity: 'error', title: 'Policy directory does not exist' },
  'dir-empty': { severity: 'error', title: 'No policy files in the directory' },
  'file-unreadable': { severity: 'error', title: 'File cannot be read' },
  'file-too-large': { severity: 'error', title: 'File is larger than tollgate reads' },
  'file-not-utf8': { severity: 'error', title: 'File is not UTF-8' },
  'yaml-syntax': { severity: 'error', title: 'YAML syntax error' },
  'yaml-duplicate-key': { severity: 'error', title: 'Duplicate key in a YAML mapping' },
  'yaml-alias-limit': { severity: 'error', title: 'Too many YAML alias expansions' },
  'yaml-too-deep': { severity: 'error', title: 'Document nested too deeply' },
  'yaml-too-many-documents': { severity: 'error', title: 'More YAML documents in a file than tollgate reads' },
  'yaml-too-many-entries': { severity: 'error', title: 'More keys in a mapping (or items in a list) than tollgate reads' },
  'yaml-complex-key': { severity: 'error', title: 'Mapping key is not a plain string' },
  'yaml-empty-document': { severity: 'warning', title: 'Empty YAML document' },
  // schema
  'missing-kind': { severity: 'error', title: 'Document has no kind' },
  'unknown-kind': { severity: 'error', title: 'Unknown document kind' },
  'unknown-key': { severity: 'error', title: 'Unknown key' },
  'missing-key': { severity: 'error', title: 'Required key is missing' },
  'invalid-type': { severity: 'error', title: 'Value has the wrong type' },
  'invalid-value': { severity: 'error', title: 'Value is not allowed' },
  'invalid-id': { severity: 'error', title: 'Malformed identifier' },
  'invalid-money': { severity: 'error', title: 'Money is not a non-negative integer of minor units' },
  // semantic errors
  'duplicate-id': { severity: 'error', title: 'Id defined twice' },
  'unknown-plan': { severity: 'error', title: 'Reference to an unknown plan' },
  'unknown-profile': { severity: 'error', title: 'Reference to an unknown profile' },
  'unknown-feature': { severity: 'error', title: 'Reference to an unknown feature' },
  'unknown-customer': { severity: 'error', title: 'Entity of an unknown customer' },
  'feature-not-in-plan': { severity: 'error', title: "Control for a feature the plan lacks" },
  'entity-auto-topup': { severity: 'error', title: 'Auto top-up on an entity' },
  'auto-topup-without-price': { severity: 'error', title: 'Auto top-up without a plan top-up price' },
  'alert-threshold-range': { severity: 'error', title: 'Percentage alert threshold outside 0-100' },
  'duplicate-alert': { severity: 'error', title: 'Two alerts with the same type and threshold' },
  'usage-based-without-price': { severity: 'error', title: 'Usage-based pricing without a price' },
  'boolean-feature-controls': { severity: 'error', title: 'Billing controls on a boolean feature' },
  'boolean-feature-quantity': { severity: 'error', title: 'Quantities on a boolean feature' },
  'missing-included': { severity: 'error', title: 'Plan item without an included amount' },
  'profile-cycle': { severity: 'error', title: 'Profiles extend each other in a cycle' },
  'unsupported-control': { severity: 'error', title: 'Control the target billing system does not support' },
  // semantic warnings
  'ineffective-spend-limit': { severity: 'warning', title: 'Spend limit where overage is blocked' },
  'unreachable-alert': { severity: 'warning', title: 'Usage alert above the hard limit' },
  'overage-limit-without-charges': { severity: 'warning', title: 'Overage limit on a customer with no charged feature' },
} as const satisfies Record<string, { severity: 'error' | 'warning'; title: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
