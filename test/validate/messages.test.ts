import { describe, expect, it } from 'vitest';
import { SourceFile } from '../../src/util/source-file.js';
import { parsePolicyYaml } from '../../src/load/yaml.js';
import { validateShape } from '../../src/validate/schema.js';

// Schema messages in the words of the policy files.

function shapeErrors(text: string, features?: ReadonlyMap<string, string>) {
  const { docs, diagnostics } = parsePolicyYaml(new SourceFile('x.yaml', text));
  expect(diagnostics).toEqual([]);
  return docs.flatMap((d) => validateShape(d, features).diagnostics).map((d) => ({ code: d.code, line: d.line, column: d.column, pointer: d.pointer, message: d.message }));
}

const customer = (body: string) => `kind: Customer\nid: acme\nplan: pro\n${body}`;

describe('mappings are described by what they hold, not by schema type names', () => {
  it('a feature given a number instead of its controls', () => {
    const [d] = shapeErrors(customer('controls:\n  api_calls: 5\n'));
    expect(d!.message).toBe('"controls.api_calls" must be a mapping of one feature\'s controls (overage, maxOverageUnits, usageAlerts, usageLimits, autoTopup) or null (inherit); got 5.');
    expect(d!.message).not.toMatch(/FeatureControls/);
  });

  it('an overage limit given a number', () => {
    const [d] = shapeErrors(customer('overageLimit: 5\n'));
    expect(d!.message).toBe('"overageLimit" must be a mapping with maxOverageAmount and onLimitReached, "unlimited" or null (inherit); got 5.');
  });
});

describe('numbers past the largest whole number tollgate holds', () => {
  it('says the value exceeds the maximum, quoting it as written', () => {
    const [d] = shapeErrors(customer('controls:\n  api_calls:\n    maxOverageUnits: 99999999999999999999999\n'));
    expect(d).toMatchObject({ code: 'invalid-value', line: 6, column: 22, pointer: '/controls/api_calls/maxOverageUnits' });
    expect(d!.message).toBe('"controls.api_calls.maxOverageUnits" is 99999999999999999999999, which exceeds the maximum of 9007199254740991.');
  });

  it('does the same for money', () => {
    const [d] = shapeErrors(customer('overageLimit: { maxOverageAmount: 1e30, onLimitReached: block }\n'));
    expect(d).toMatchObject({ code: 'invalid-money', pointer: '/overageLimit/maxOverageAmount' });
    expect(d!.message).toBe('"overageLimit.maxOverageAmount" is 1e30, which exceeds the maximum of 9007199254740991 minor units.');
  });
});

describe('plan currencies are ISO 4217 codes', () => {
  const plan = (currency: string) => `kind: Plan\nid: pro\ncurrency: ${currency}\nfeatures: {}\n`;

  it('suggests the capitalised code for one written in lower case', () => {
    const [d] = shapeErrors(plan('"usd"'));
    expect(d).toMatchObject({ code: 'invalid-value', line: 3, column: 11, pointer: '/currency' });
    expect(d!.message).toBe('"currency" must be an ISO 4217 currency code in capitals, such as "USD" or "EUR"; got "usd". Did you mean "USD"?');
  });

  it('refuses a well-formed code that is no currency', () => {
    const [d] = shapeErrors(plan('XYZ'));
    expect(d!.message).toBe('"currency" must be an ISO 4217 currency code in capitals, such as "USD" or "EUR"; got "XYZ".');
  });

  it('reports a currency of the wrong type once, not once as a type and again as a value', () => {
    expect(shapeErrors(plan('12'))).toEqual([
      { code: 'invalid-type', line: 3, column: 11, pointer: '/currency', message: '"currency" must be an ISO 4217 currency code in capitals, such as "USD" or "EUR"; got 12.' },
    ]);
  });

  it('accepts the currencies of the world, with and without minor units', () => {
    for (const code of ['USD', 'EUR', 'JPY', 'GBP', 'CHF', 'KWD', 'XOF', 'INR', 'BRL']) expect(shapeErrors(plan(code)), code).toEqual([]);
  });
});

describe('a feature control written directly under controls', () => {
  const FEATURES = new Map([['api_calls', 'metered'], ['credits', 'credits'], ['sso', 'boolean']]);

  it('is named as a control indented too shallow, under the feature written above it', () => {
    const errors = shapeErrors(customer('controls:\n  credits:\n    overage: allow\n  autoTopup: { threshold: 100, quantity: 1000 }\n'), FEATURES);
    expect(errors).toEqual([{ code: 'unknown-key', line: 7, column: 3, pointer: '/controls/autoTopup', message: 'autoTopup is not a feature: indent it under a feature such as "credits".' }]);
  });

  it('suggests a feature of a fitting type when none is written above, for every control key, in entities too', () => {
    const text = customer('entities:\n  ws:\n    controls:\n      overage: block\n      maxOverageUnits: 5\n      usageAlerts: []\n      autoTopup: null\n');
    expect(shapeErrors(text, FEATURES).map((d) => [d.pointer, d.message])).toEqual([
      ['/entities/ws/controls/overage', 'overage is not a feature: indent it under a feature such as "api_calls".'],
      ['/entities/ws/controls/maxOverageUnits', 'maxOverageUnits is not a feature: indent it under a feature such as "api_calls".'],
      ['/entities/ws/controls/usageAlerts', 'usageAlerts is not a feature: indent it under a feature such as "api_calls".'],
      ['/entities/ws/controls/autoTopup', 'autoTopup is not a feature: indent it under a feature such as "credits".'],
    ]);
  });

  it('never lists the control as an allowed key of itself', () => {
    const [d] = shapeErrors(`kind: Plan\nid: pro\ncurrency: USD\nfeatures: {}\ncontrols:\n  autoTopup: { threshold: 1, quantity: 1 }\n`);
    expect(d!.message).toBe('autoTopup is not a feature: indent it under the feature it controls.');
  });

  it('leaves a feature that really has such an id alone', () => {
    expect(shapeErrors(customer('controls:\n  overage: { overage: allow }\n'), new Map([['overage', 'metered']]))).toEqual([]);
  });
});
