import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { diagnosticFormatters, type FormatContext } from '../../src/diagnostics/format/index.js';
import { SourceFile } from '../../src/util/source-file.js';

const CUSTOMER_YAML = [
  'kind: Customer',
  'id: acme',
  'spec:',
  '  plan: pro',
  '  plna: pro',
  '  features:',
  '    api_calls: {}',
  '',
].join('\n');

const customer = new SourceFile('policies/customers/acme.yaml', CUSTOMER_YAML);

function context(overrides: Partial<FormatContext> = {}): FormatContext {
  return { sources: new Map([[customer.path, customer]]), color: false, toolVersion: '0.1.0', ...overrides };
}

function diag(overrides: Partial<Diagnostic> = {}): Diagnostic {
  return {
    code: 'unknown-key',
    severity: 'error',
    message: 'Unknown key "plna"; did you mean "plan"?',
    file: customer.path,
    line: 5,
    column: 3,
    endLine: 5,
    endColumn: 7,
    pointer: '/spec/plna',
    ...overrides,
  };
}

const duplicate = diag({
  code: 'duplicate-id',
  message: 'Customer "acme" is defined twice',
  line: 2,
  column: 5,
  endLine: 2,
  endColumn: 9,
  pointer: '/id',
  related: [{ file: 'policies/old.yaml', line: 3, column: 5, endLine: 3, endColumn: 9, pointer: '/id', message: 'first definition of customer "acme"' }],
});

const warning = diag({
  code: 'ineffective-spend-limit',
  severity: 'warning',
  message: 'Spend limit has no effect: overage is blocked',
  line: 7,
  column: 5,
  endLine: 7,
  endColumn: 18,
  pointer: '/spec/features/api_calls',
});

describe('stylish', () => {
  const format = diagnosticFormatters.stylish;

  it('prints file:line:col, severity, message and code, and a caret under the column', () => {
    const lines = format([diag()], context()).split('\n');
    expect(lines[0]).toBe('policies/customers/acme.yaml:5:3  error  Unknown key "plna"; did you mean "plan"?  unknown-key');
    const marked = lines.findIndex((l) => l.includes('> 5 |'));
    expect(lines[marked]).toBe('  > 5 |   plna: pro');
    const carets = lines[marked + 1]!;
    expect(carets).toBe('      |   ^^^^');
    expect(carets.indexOf('^')).toBe(lines[marked]!.indexOf('plna'));
    expect(carets.lastIndexOf('^')).toBe(lines[marked]!.indexOf('plna') + 'plna'.length - 1);
  });

  it('shows the lines around the diagnostic with their numbers', () => {
    const out = format([diag()], context());
    expect(out).toContain('    3 | spec:');
    expect(out).toContain('    4 |   plan: pro');
    expect(out).toContain('    6 |   features:');
    expect(out).not.toContain('2 | id: acme');
  });

  it('lists related places beneath and ends with a summary', () => {
    const out = format([warning, diag(), duplicate], context());
    expect(out).toContain('↳ first definition of customer "acme" at policies/old.yaml:3:5');
    expect(out.trimEnd().split('\n').at(-1)).toBe('✖ 2 errors, 1 warning');
    expect(out.endsWith('\n')).toBe(true);
  });

  it('keeps one file together, in position order', () => {
    const other = diag({ file: 'policies/a.yaml', line: 1, column: 1, endLine: 1, endColumn: 2 });
    const out = format([warning, other, diag(), duplicate], context());
    const headers = out.split('\n').filter((l) => /^\S+:\d+:\d+ {2}/.test(l));
    expect(headers.map((h) => h.split('  ')[0])).toEqual([
      'policies/a.yaml:1:1',
      'policies/customers/acme.yaml:2:5',
      'policies/customers/acme.yaml:5:3',
      'policies/customers/acme.yaml:7:5',
    ]);
  });

  it('prints no frame when the file has no source, such as a missing directory', () => {
    const missing = diag({ code: 'dir-not-found', message: 'Directory "policies" does not exist', file: 'policies', line: 0, column: 0, endLine: 0, endColumn: 0, pointer: '' });
    const out = format([missing], context());
    expect(out).toBe('policies  error  Directory "policies" does not exist  dir-not-found\n\n✖ 1 error\n');
  });

  it('says so when there is nothing to report', () => {
    expect(format([], context())).toBe('No problems found.\n');
  });

  it('paints only when asked', () => {
    expect(format([diag()], context())).not.toMatch(/\x1b\[/);
    expect(format([diag()], context({ color: true }))).toMatch(/\x1b\[31m/);
  });

  it('marks a zero-width range with one caret and lines carets up after a tab', () => {
    const source = new SourceFile('t.yaml', 'a:\tb\n');
    const out = format([diag({ file: 't.yaml', line: 1, column: 4, endLine: 1, endColumn: 4 })], context({ sources: new Map([['t.yaml', source]]) }));
    expect(out).toContain('|   \t^\n');
  });

  it('never passes escape sequences from a policy file to the terminal', () => {
    const source = new SourceFile('evil.yaml', 'key: "\u001b[2J"\n');
    const out = format(
      [diag({ file: 'evil.yaml', message: 'Unknown key "\u001b]0;pwned\u0007"', line: 1, column: 1, endLine: 1, endColumn: 4 })],
      context({ sources: new Map([['evil.yaml', source]]) }),
    );
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
  });
});

describe('json', () => {
  const format = diagnosticFormatters.json;

  it('has exactly the keys SPEC §3 names, in order, and a summary', () => {
    const out = format([warning, duplicate], context());
    const parsed = JSON.parse(out) as { diagnostics: Array<Record<string, unknown>>; summary: Record<string, unknown> };
    expect(Object.keys(parsed)).toEqual(['diagnostics', 'summary']);
    for (const d of parsed.diagnostics) {
      expect(Object.keys(d)).toEqual(['code', 'severity', 'message', 'file', 'line', 'column', 'pointer']);
    }
    expect(parsed.diagnostics[0]).toEqual({
      code: 'duplicate-id',
      severity: 'error',
      message: 'Customer "acme" is defined twice',
      file: 'policies/customers/acme.yaml',
      line: 2,
      column: 5,
      pointer: '/id',
    });
    expect(parsed.summary).toEqual({ errors: 1, warnings: 1 });
  });

  it('is indented by two spaces and ends with a newline', () => {
    expect(format([], context())).toBe('{\n  "diagnostics": [],\n  "summary": {\n    "errors": 0,\n    "warnings": 0\n  }\n}\n');
  });
});

describe('github', () => {
  const format = diagnosticFormatters.github;

  it('writes one workflow command per diagnostic with the position and the code as title', () => {
    expect(format([diag(), warning], context())).toBe(
      '::error file=policies/customers/acme.yaml,line=5,col=3,endLine=5,endColumn=7,title=unknown-key::Unknown key "plna"; did you mean "plan"?\n' +
        '::warning file=policies/customers/acme.yaml,line=7,col=5,endLine=7,endColumn=18,title=ineffective-spend-limit::Spend limit has no effect: overage is blocked\n',
    );
  });

  it('escapes %, CR and LF in the message but leaves : and , alone there', () => {
    const out = format([diag({ message: '100% sure\r\nnext: a, b' })], context());
    expect(out.endsWith('::100%25 sure%0D%0Anext: a, b\n')).toBe(true);
  });

  it('escapes %, CR, LF, : and , in property values', () => {
    const out = format([diag({ file: 'odd/a,b:c%d\r\ne.yaml' })], context());
    expect(out).toContain(' file=odd/a%2Cb%3Ac%25d%0D%0Ae.yaml,line=5,');
  });

  it('keeps each command on one line and carries related places in the message', () => {
    const out = format([duplicate], context());
    expect(out.split('\n')).toHaveLength(2);
    expect(out).toContain('::Customer "acme" is defined twice%0Afirst definition of customer "acme" at policies/old.yaml:3:5\n');
  });

  it('leaves out a position it does not know, and prints nothing when there is nothing', () => {
    const missing = diag({ code: 'dir-not-found', message: 'No directory', file: 'policies', line: 0, column: 0, endLine: 0, endColumn: 0, pointer: '' });
    expect(format([missing], context())).toBe('::error file=policies,title=dir-not-found::No directory\n');
    expect(format([], context())).toBe('');
  });
});

describe('sarif', () => {
  const format = diagnosticFormatters.sarif;
  // Ajv knows no formats by itself; these check what SARIF's uri fields must hold without a network.
  const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const uriChars = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#[\]]|%[0-9A-Fa-f]{2})*$/;
  ajv.addFormat('uri-reference', (s: string) => uriChars.test(s));
  ajv.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && uriChars.test(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  const validate = ajv.compile(schema);

  interface Log {
    runs: Array<{
      tool: { driver: { name: string; version: string; rules: Array<{ id: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }> } };
      results: Array<{
        ruleId: string;
        ruleIndex: number;
        level: string;
        message: { text: string };
        locations?: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: Record<string, number> } }>;
        relatedLocations?: Array<{ message: { text: string }; physicalLocation: { artifactLocation: { uri: string } } }>;
      }>;
    }>;
  }

  function check(out: string): Log {
    const log: unknown = JSON.parse(out);
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    return log as Log;
  }

  it('validates against the SARIF 2.1.0 schema', () => {
    check(format([diag(), warning, duplicate], context()));
    check(format([], context()));
  });

  it('describes tollgate and one rule per code used, sorted', () => {
    const run = check(format([warning, diag(), duplicate, diag({ line: 6 })], context({ toolVersion: '1.2.3' }))).runs[0]!;
    expect(run.tool.driver.name).toBe('tollgate');
    expect(run.tool.driver.version).toBe('1.2.3');
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(['duplicate-id', 'ineffective-spend-limit', 'unknown-key']);
    expect(run.tool.driver.rules[1]).toEqual({
      id: 'ineffective-spend-limit',
      shortDescription: { text: 'Spend limit where overage is blocked' },
      defaultConfiguration: { level: 'warning' },
    });
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
  });

  it('gives each result its level, message, forward-slash relative uri and region', () => {
    const run = check(format([diag({ file: 'policies\\customers\\acme one.yaml' }), warning], context())).runs[0]!;
    const first = run.results.find((r) => r.ruleId === 'unknown-key');
    const second = run.results.find((r) => r.ruleId === 'ineffective-spend-limit');
    expect(first).toMatchObject({ ruleId: 'unknown-key', level: 'error', message: { text: 'Unknown key "plna"; did you mean "plan"?' } });
    expect(first!.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'policies/customers/acme%20one.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 5, startColumn: 3, endLine: 5, endColumn: 7 },
    });
    expect(second!.level).toBe('warning');
  });

  it('points related locations at the first definition', () => {
    const result = check(format([duplicate], context())).runs[0]!.results[0]!;
    expect(result.relatedLocations).toHaveLength(1);
    expect(result.relatedLocations![0]!.message.text).toBe('first definition of customer "acme"');
    expect(result.relatedLocations![0]!.physicalLocation.artifactLocation.uri).toBe('policies/old.yaml');
  });

  it('stays valid for diagnostics without a known position', () => {
    const missing = diag({ code: 'dir-not-found', message: 'No directory', file: 'policies', line: 0, column: 0, endLine: 0, endColumn: 0, pointer: '' });
    const result = check(format([missing], context())).runs[0]!.results[0]!;
    expect(result.locations![0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'policies', uriBaseId: '%SRCROOT%' } });
  });

  it('is the same text however the input is ordered', () => {
    expect(format([duplicate, warning, diag()], context())).toBe(format([diag(), warning, duplicate], context()));
  });
});
