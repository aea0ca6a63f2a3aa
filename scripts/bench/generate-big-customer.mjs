#!/usr/bin/env node
// Writes a policy repository whose whole size is one customer: the example catalog (features and plans)
// and customers/big.yaml, a customer on `pro` with N seats, or with N unknown feature keys.
//
//   node scripts/bench/generate-big-customer.mjs --shape inline|standalone|unknown-keys --n 10000 --out DIR
//
//   inline        N entities under the customer's `entities:`
//   standalone    the same N entities as `kind: Entity` documents after the customer in the same file
//   unknown-keys  a customer whose `controls` names N features that do not exist (N errors)
//
// Every seat sets `controls: { api_calls: { maxOverageUnits: … } }` with a value from a fixed sequence, so
// the output is byte-identical for identical arguments. The inline and standalone shapes validate with no
// diagnostics and plan the same N + 1 objects.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHAPES = ['inline', 'standalone', 'unknown-keys'];
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The YAML of customers/big.yaml for a shape and size. */
export function bigCustomerYaml(shape, n) {
  const lines = ['kind: Customer', 'id: big', 'name: Big Corp', 'plan: pro'];
  const limit = (i) => 100 + ((i * 37) % 900);
  if (shape === 'inline') {
    lines.push('entities:');
    for (let i = 0; i < n; i++) lines.push(`  seat_${i}:`, `    controls: { api_calls: { maxOverageUnits: ${limit(i)} } }`);
  } else if (shape === 'standalone') {
    for (let i = 0; i < n; i++) lines.push('---', 'kind: Entity', `id: seat_${i}`, 'customer: big', `controls: { api_calls: { maxOverageUnits: ${limit(i)} } }`);
  } else if (shape === 'unknown-keys') {
    lines.push('controls:');
    for (let i = 0; i < n; i++) lines.push(`  feature_${i}: { maxOverageUnits: ${limit(i)} }`);
  } else throw new Error(`unknown shape ${shape}; one of ${SHAPES.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** Writes the repository (replacing `out`); returns the size of customers/big.yaml in bytes. */
export function generateBigCustomer({ shape, n, out }) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(path.join(out, 'customers'), { recursive: true });
  cpSync(path.join(root, 'policies', 'features.yaml'), path.join(out, 'features.yaml'));
  cpSync(path.join(root, 'policies', 'plans'), path.join(out, 'plans'), { recursive: true });
  const text = bigCustomerYaml(shape, n);
  writeFileSync(path.join(out, 'customers', 'big.yaml'), text);
  return Buffer.byteLength(text);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const arg = (name) => {
    const i = args.indexOf(name);
    if (i < 0 || args[i + 1] === undefined) throw new Error(`${name} is required (see the header of this file)`);
    return args[i + 1];
  };
  const bytes = generateBigCustomer({ shape: arg('--shape'), n: Number(arg('--n')), out: path.resolve(arg('--out')) });
  console.log(`wrote ${arg('--out')}/customers/big.yaml (${bytes} bytes)`);
}
