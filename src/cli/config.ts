import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { TARGET_NAMES } from '../targets/names.js';
import { UserError } from './errors.js';

/** Project settings from tollgate.yaml at the repository root; flags beat them. */
export interface ProjectConfig {
  dir?: string;
  target?: string;
  state?: string;
  endpoint?: string;
  /** Where tollgate keeps its state: "file" (default) or a PostgreSQL URL. */
  backend?: string;
  /** Warn about exceptions and waivers that end within this many days (default 7). */
  expiryWarningDays?: number;
}

const KEYS = ['dir', 'target', 'state', 'endpoint', 'backend', 'expiryWarningDays'] as const;

/** Reads tollgate.yaml from the current directory, if there is one; a wrong setting names the file and line. */
export function readConfig(file = 'tollgate.yaml'): ProjectConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (node: Node | null | undefined): string => {
    if (!node?.range) return file;
    const { line, col } = lines.linePos(node.range[0]);
    return `${file}:${line}:${col}`;
  };
  const error = doc.errors[0];
  if (error !== undefined) {
    const { line, col } = lines.linePos(error.pos[0]);
    throw new UserError(`${file}:${line}:${col}: ${error.message.split('\n')[0]}`);
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return {};
  if (!isMap(doc.contents)) throw new UserError(`${at(doc.contents)}: expected a mapping of settings (${KEYS.join(', ')}).`);
  const config: ProjectConfig = {};
  for (const pair of doc.contents.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const valueNode = pair.value as Node | null;
    if (!(KEYS as readonly string[]).includes(key)) throw new UserError(`${at(keyNode)}: unknown setting "${key}"; known settings: ${KEYS.join(', ')}.`);
    if (key === 'expiryWarningDays') {
      const days = isScalar(valueNode) ? valueNode.value : undefined;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 0) throw new UserError(`${at(valueNode ?? keyNode)}: "expiryWarningDays" must be a whole number of days (0 or more).`);
      config.expiryWarningDays = days;
      continue;
    }
    if (!isScalar(valueNode) || typeof valueNode.value !== 'string') throw new UserError(`${at(valueNode ?? keyNode)}: "${key}" must be a string.`);
    const value = valueNode.value;
    if (key === 'target' && !(TARGET_NAMES as readonly string[]).includes(value)) {
      throw new UserError(`${at(valueNode)}: target must be one of ${TARGET_NAMES.join(', ')}; got "${value}".`);
    }
    config[key as 'dir' | 'target' | 'state' | 'endpoint' | 'backend'] = value;
  }
  return config;
}
