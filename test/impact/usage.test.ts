// Usage files: CSV and JSON read into one table, every problem named with its file and line.
import { describe, expect, it } from 'vitest';
import { parseUsageFile } from '../../src/impact/usage.js';

const rows = (table: ReturnType<typeof parseUsageFile>['table']) => [...(table ?? new Map())].map(([key, m]) => [key, Object.fromEntries(m)]);

describe('usage files', () => {
  it('reads CSV with the header customer,entity,feature,usage (BOM, CRLF, quotes, blank lines)', () => {
    const parsed = parseUsageFile('\uFEFFcustomer,entity,feature,usage\r\nacme,,api_calls,4000\r\n\r\n"acme","ws_a",api_calls,2500.5\r\n', 'u.csv');
    expect(parsed.errors).toEqual([]);
    expect(rows(parsed.table)).toEqual([
      ['customer:acme', { api_calls: 4000 }],
      ['entity:acme/ws_a', { api_calls: 2500.5 }],
    ]);
  });

  it('reads JSON: an array of {customer, entity?, feature, usage}', () => {
    const parsed = parseUsageFile('[{"customer":"acme","feature":"api_calls","usage":1},\n {"customer":"acme","entity":"w","feature":"seats","usage":0}]', 'u.json');
    expect(rows(parsed.table)).toEqual([
      ['customer:acme', { api_calls: 1 }],
      ['entity:acme/w', { seats: 0 }],
    ]);
  });

  it('names the line of broken JSON, wherever the parser stops', () => {
    expect(parseUsageFile('[\n{"customer": "a",\n  "feature": }]', 'u.json').errors).toEqual(["u.json:3: not valid JSON: Unexpected token '}'."]);
    expect(parseUsageFile('[\n{"a": 1\n "b": 2}]', 'u.json').errors).toEqual(["u.json:3: not valid JSON: Expected ',' or '}' after property value."]);
    expect(parseUsageFile('[\n1,\n', 'u.json').errors[0]).toMatch(/^u\.json:3: not valid JSON: /);
    expect(parseUsageFile('{"customer": "a"}', 'u.json').errors).toEqual(['u.json:1: expected an array of {"customer", "entity", "feature", "usage"} objects.']);
  });

  it('lists every bad row in line order, a duplicate with the line of the first', () => {
    const text = ['customer,entity,feature,usage', 'a,,f,1', 'a,,f,2', ',,f,1', 'a,,f', 'a,,g,-1'].join('\n');
    expect(parseUsageFile(text, 'u.csv').errors).toEqual([
      'u.csv:3: a second usage of f for customer a (the first is on line 2).',
      'u.csv:4: "customer" must be a customer id.',
      'u.csv:5: expected 4 columns (customer,entity,feature,usage), found 3.',
      'u.csv:6: "usage" must be a number of units, 0 or more; found "-1".',
    ]);
  });
});
