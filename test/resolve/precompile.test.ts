// Customers compiled by a worker (resolve/precompile.ts) are the text the writer would compile itself, each is
// compiled once whoever claims it, and a worker that cannot compile leaves its customers to the writer. The
// worker's side runs on this thread here, over a real message channel; test/load/parallel-parse.test.ts runs it on
// worker threads through the CLI.
import { MessageChannel } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { analyze } from '../../src/validate/index.js';
import { parsePolicyYaml, type PolicyDoc } from '../../src/load/yaml.js';
import { SourceFile } from '../../src/util/source-file.js';
import { compileCustomer } from '../../src/resolve/stream.js';
import { compileHeld, shareOut, startPrecompile, type CompileRequest, type HeldDocuments, type ParsedBy, type Precompiled } from '../../src/resolve/precompile.js';

const POLICIES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../policies');
const AT = Date.parse('2026-11-26T12:00:00Z');
const open: Precompiled[] = [];
afterEach(() => open.splice(0).forEach((p) => p.close()));

/**
 * The example policies analysed, and customers shared out to one worker by `parsedBy`; the worker's requests are
 * kept, to be run on this thread when the test says (runWorker).
 */
function setUp(parsedBy: (path: string) => ParsedBy = () => 0) {
  const analysis = analyze(POLICIES, { at: AT });
  expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const docs = new Map<string, PolicyDoc>();
  for (const doc of [...analysis.set.features.values(), ...analysis.set.plans.values(), ...analysis.set.profiles.values()].map((d) => d.origin.doc)) docs.set(`${doc.source.path}#${doc.index}`, doc);
  for (const c of analysis.set.customers.values()) {
    docs.set(`${c.origin.doc.source.path}#${c.origin.doc.index}`, c.origin.doc);
    for (const e of c.entities.values()) docs.set(`${e.origin.doc.source.path}#${e.origin.doc.index}`, e.origin.doc);
  }
  const ids = [...analysis.customers.keys()];
  const requests: CompileRequest[] = [];
  const precompiled = startPrecompile(analysis.set, ids, parsedBy, (p) => analysis.sources.get(p)!.text, (_w, r) => requests.push(r))!;
  expect(precompiled).toBeDefined();
  open.push(precompiled);
  // what the worker parsed itself: documents of files parsedBy gives it
  const held: HeldDocuments = {
    held: (p, i) => (parsedBy(p) === 0 ? docs.get(`${p}#${i}`) : undefined),
    parse: (p, text) => parsePolicyYaml(new SourceFile(p, text)).docs,
  };
  const runWorker = (documents: HeldDocuments = held) => compileHeld(requests[0]!, documents);
  const expected = (id: string) => compileCustomer(analysis.customers.get(id, true)!);
  return { analysis, ids, request: requests[0]!, precompiled, runWorker, held, expected };
}

it('gives every customer the text the writer compiles from the whole policy set', () => {
  const { ids, request, precompiled, runWorker, expected } = setUp();
  expect(request.ids).toEqual(ids);
  expect(ids.length).toBeGreaterThan(5);
  // the worker builds its own policy set from the documents alone
  runWorker();
  for (const id of ids) {
    const compiled = precompiled.take(id);
    expect(compiled, id).toBeDefined();
    expect(compiled).toEqual(expected(id));
  }
});

it('reads definitions from the texts it is sent when it did not parse their files', () => {
  const { analysis, ids, request, precompiled, runWorker, expected } = setUp((p) => (/features|plans|profiles/.test(p) ? undefined : 0));
  const definitionFiles = [...analysis.set.features.values(), ...analysis.set.plans.values(), ...analysis.set.profiles.values()].map((d) => d.origin.doc.source.path);
  expect(request.texts.map(([p]) => p).sort()).toEqual([...new Set(definitionFiles)].sort());
  runWorker();
  for (const id of ids) expect(precompiled.take(id)).toEqual(expected(id));
});

it('compiles each customer once: what this thread claims first, the worker skips', () => {
  const { ids, request, precompiled, runWorker, expected } = setUp();
  const [first, second, ...rest] = ids;
  // this thread reaches the first two before the worker starts: they are its to compile
  expect(precompiled.take(first!)).toBeUndefined();
  expect(precompiled.take(second!)).toBeUndefined();
  runWorker();
  expect([...request.claims]).toEqual([1, 1, ...rest.map(() => 2)]);
  for (const id of rest) expect(precompiled.take(id)).toEqual(expected(id));
  // an id never shared out is this thread's
  expect(precompiled.take('no-such-customer')).toBeUndefined();
});

it('a worker that cannot build the policy set fails, and leaves every customer it claimed to this thread', () => {
  const { ids, precompiled, runWorker, held } = setUp();
  // it holds the customers' documents but no definition, and was sent no text of them
  runWorker({ ...held, held: (p, i) => (/features|plans|profiles/.test(p) ? undefined : held.held(p, i)) });
  for (const id of ids) expect(precompiled.take(id)).toBeUndefined();
});

it('a worker compiles the customers all of whose documents it parsed; the others are left to this thread', () => {
  const analysis = analyze(POLICIES, { at: AT });
  const withStandaloneEntities = [...analysis.set.customers.values()].filter((c) => [...c.entities.values()].some((e) => e.origin.doc !== c.origin.doc));
  expect(withStandaloneEntities.length).toBeGreaterThan(0);
  const entityFiles = new Set(withStandaloneEntities.flatMap((c) => [...c.entities.values()].map((e) => e.origin.doc.source.path)).filter((p) => p.includes('entities')));
  const ids = [...analysis.customers.keys()];
  // worker 1 parsed the entity files, worker 0 everything else
  const own = shareOut(analysis.set, ids, (p) => (entityFiles.has(p) ? 1 : 0));
  expect(own.has(1)).toBe(false);
  const shared = new Set(own.get(0)!.ids);
  for (const c of withStandaloneEntities) expect(shared.has(c.id), c.id).toBe(false);
  expect(shared.size).toBe(ids.length - withStandaloneEntities.length);
  // the entity files were parsed on this thread (or came from the cache)
  expect(shareOut(analysis.set, ids, (p) => (entityFiles.has(p) ? undefined : 0)).get(0)!.ids).toEqual([...shared]);
  expect(shareOut(analysis.set, ids, () => undefined).size).toBe(0);
});
