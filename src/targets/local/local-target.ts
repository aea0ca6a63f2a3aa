import { mkdirSync, readFileSync } from 'node:fs';
import { capabilitiesOf } from '../../model/controls.js';
import path from 'node:path';
import { parseObjectKey, type LiveObject } from '../../plan/objects.js';
import type { ObjectPlan } from '../../plan/plan.js';
import { writeFailureReason, writeFileAtomic } from '../../util/atomic-write.js';
import { jsonTooDeep } from '../../util/json-depth.js';
import { TargetError, type Capabilities, type ListedObject, type Target } from '../target.js';

const MAX_STATE_DEPTH = 32;

/** Everything the policies can set, where they can set it (entities hold no top-ups and no customer-wide limit). */
export const LOCAL_CAPABILITIES: Capabilities = capabilitiesOf('local');

interface StateFile {
  formatVersion: 1;
  objects: Record<string, LiveObject>;
}

/** The embedded target: deployed state is one JSON file, replaced atomically on every flush. */
export class LocalTarget implements Target {
  readonly name = 'local';
  readonly capabilities = LOCAL_CAPABILITIES;
  readonly persistsOnFlush = true;
  private state: StateFile | undefined;
  private dirty = false;

  constructor(readonly endpoint: string) {}

  private load(): StateFile {
    if (this.state) return this.state;
    let text: string;
    try {
      text = readFileSync(this.endpoint, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return (this.state = { formatVersion: 1, objects: {} });
      throw new TargetError(`Cannot read the local state ${this.endpoint}: ${(error as Error).message}`);
    }
    // objects.<key>.controls.features.<feature>.usageLimits.<i>.filter.properties is 9 levels; far deeper is no state tollgate wrote.
    const deep = jsonTooDeep(text, MAX_STATE_DEPTH);
    if (deep) {
      throw new TargetError(`The local state ${this.endpoint} nests objects and arrays deeper than ${MAX_STATE_DEPTH} levels (line ${deep.line}, column ${deep.column}); restore it from version control or delete it to start over.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TargetError(`The local state ${this.endpoint} is not valid JSON; restore it from version control or delete it to start over.`);
    }
    const state = parsed as Partial<StateFile>;
    if (state.formatVersion !== 1 || typeof state.objects !== 'object' || state.objects === null) {
      throw new TargetError(`The local state ${this.endpoint} has an unknown format (formatVersion ${String(state.formatVersion)}); this tollgate reads version 1.`);
    }
    for (const key of Object.keys(state.objects)) {
      try {
        parseObjectKey(key);
      } catch {
        throw new TargetError(`The local state ${this.endpoint} holds "${key}", which is not an object key (plan:<id>, customer:<id> or entity:<customer>/<id>); restore the file or delete it to start over.`);
      }
    }
    return (this.state = state as StateFile);
  }

  async managedKeys(): Promise<string[]> {
    return Object.keys(this.load().objects).sort();
  }

  /** The customers and entities the state holds (a customer whose entities alone hold controls included), with their plans. */
  async listObjects(customers: readonly string[] | undefined): Promise<ListedObject[]> {
    const wanted = customers === undefined ? undefined : new Set(customers);
    const listed = new Map<string, ListedObject>();
    for (const [key, object] of Object.entries(this.load().objects)) {
      const ref = parseObjectKey(key);
      if (ref.kind === 'plan') continue;
      const customer = ref.kind === 'entity' ? ref.customer : ref.id;
      if (wanted !== undefined && !wanted.has(customer)) continue;
      for (const k of ref.kind === 'entity' ? [`customer:${customer}`, key] : [key]) {
        const known = listed.get(k);
        if (known === undefined) listed.set(k, object.plan === undefined ? { key: k } : { key: k, plan: object.plan });
        else if (known.plan === undefined && object.plan !== undefined) known.plan = object.plan;
      }
    }
    const missing = [...(wanted ?? [])].filter((id) => !listed.has(`customer:${id}`));
    if (missing.length > 0) throw new TargetError(`The local state ${this.endpoint} holds nothing for ${missing.length === 1 ? 'customer' : 'customers'} ${missing.sort().join(', ')}.`);
    return [...listed.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async read(keys: readonly string[]): Promise<Map<string, LiveObject | null>> {
    const objects = this.load().objects;
    return new Map(keys.map((k) => [k, Object.hasOwn(objects, k) ? objects[k]! : null]));
  }

  async write(object: ObjectPlan): Promise<void> {
    const objects = this.load().objects;
    if (object.action === 'delete') delete objects[object.key];
    else objects[object.key] = object.plan === undefined ? { controls: object.after } : { controls: object.after, plan: object.plan };
    this.dirty = true;
  }

  async flush(): Promise<void> {
    if (!this.dirty || !this.state) return;
    mkdirSync(path.dirname(this.endpoint), { recursive: true });
    const sorted = Object.fromEntries(Object.keys(this.state.objects).sort().map((k) => [k, this.state!.objects[k]]));
    try {
      await writeFileAtomic(this.endpoint, JSON.stringify({ formatVersion: 1, objects: sorted }, null, 2) + '\n');
    } catch (error) {
      throw new TargetError(`Could not save the local state ${this.endpoint}: ${writeFailureReason(this.endpoint, error)}. The state file is as it was before this apply.`);
    }
    this.dirty = false;
  }
}
