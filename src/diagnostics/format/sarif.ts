import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../codes.js';
import { sortDiagnostics, type Diagnostic, type Location, type Severity } from '../diagnostic.js';
import type { FormatContext } from './context.js';

/*
 * SARIF 2.1.0 (OASIS), the format GitHub code scanning and most CI dashboards ingest. Only the parts
 * tollgate fills are typed here. Locations are relative to %SRCROOT%, which code scanning takes to be
 * the repository root: run tollgate from there, as the paths it prints are relative to the working directory.
 */

const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json';

interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

interface SarifRun {
  tool: { driver: { name: string; version: string; rules: SarifRule[] } };
  columnKind: 'utf16CodeUnits';
  results: SarifResult[];
}

interface SarifRule {
  id: string;
  shortDescription: { text: string };
  defaultConfiguration: { level: Severity };
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Severity;
  message: { text: string };
  locations?: SarifLocation[];
  relatedLocations?: SarifLocation[];
}

interface SarifLocation {
  id?: number;
  physicalLocation: {
    artifactLocation: { uri: string; uriBaseId?: string };
    region?: { startLine: number; startColumn?: number; endLine?: number; endColumn?: number };
  };
  message?: { text: string };
}

/** A SARIF 2.1.0 log with one run: a rule per code that occurs (sorted by id) and a result per diagnostic. */
export function formatSarif(diagnostics: readonly Diagnostic[], ctx: FormatContext): string {
  const sorted = sortDiagnostics([...diagnostics]);
  const ruleIds = [...new Set(sorted.map((d) => d.code))].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const log: SarifLog = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'tollgate', version: ctx.toolVersion, rules: ruleIds.map(rule) } },
        // Columns count UTF-16 code units, as JavaScript string offsets do.
        columnKind: 'utf16CodeUnits',
        results: sorted.map((d) => result(d, ruleIndex.get(d.code)!)),
        ...(ctx.guardrails ? { properties: { guardrails: ctx.guardrails } } : {}),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function rule(code: DiagnosticCode): SarifRule {
  const { title, severity } = DIAGNOSTIC_CODES[code];
  return { id: code, shortDescription: { text: title }, defaultConfiguration: { level: severity } };
}

function result(d: Diagnostic, index: number): SarifResult {
  const r: SarifResult = { ruleId: d.code, ruleIndex: index, level: d.severity, message: { text: d.message } };
  const primary = location(d);
  if (primary) r.locations = [primary];
  const related = (d.related ?? []).flatMap((rel, i) => {
    const loc = location(rel);
    return loc ? [{ id: i, ...loc, message: { text: rel.message } }] : [];
  });
  if (related.length > 0) r.relatedLocations = related;
  return r;
}

function location(loc: Location): SarifLocation | undefined {
  if (loc.file === '') return undefined;
  const physicalLocation: SarifLocation['physicalLocation'] = { artifactLocation: artifactLocation(loc.file) };
  const region = regionOf(loc);
  if (region) physicalLocation.region = region;
  return { physicalLocation };
}

/** The region of a location, clamped to what SARIF allows; none when the line is unknown. */
function regionOf(loc: Location): SarifLocation['physicalLocation']['region'] {
  if (loc.line < 1) return undefined;
  if (loc.column < 1) return { startLine: loc.line };
  const endLine = Math.max(loc.line, loc.endLine);
  // SARIF's endColumn is exclusive like ours; an empty range is an insertion point, which SARIF allows.
  const endColumn = endLine === loc.line ? Math.max(loc.column, loc.endColumn) : Math.max(1, loc.endColumn);
  return { startLine: loc.line, startColumn: loc.column, endLine, endColumn };
}

/** A percent-encoded URI with forward slashes: relative to %SRCROOT%, or a file: URI for an absolute path. */
export function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  const slashed = file.replace(/\\/g, '/');
  const encoded = slashed
    .split('/')
    .map((segment) => (/^[A-Za-z]:$/.test(segment) ? segment : encodeURIComponent(segment)))
    .join('/');
  if (slashed.startsWith('/')) return { uri: `file://${encoded}` };
  if (/^[A-Za-z]:\//.test(slashed)) return { uri: `file:///${encoded}` };
  return { uri: encoded.replace(/^(?:\.\/)+/, ''), uriBaseId: '%SRCROOT%' };
}
