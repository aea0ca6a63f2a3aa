import path from 'node:path';
import { UsageError } from '../util/errors.js';
import { AutumnTarget } from './autumn/autumn-target.js';
import { AUTUMN_API_URL } from './autumn/client.js';
import { LocalTarget } from './local/local-target.js';
import { OWOSTACK_KEY_VARIABLE } from './owostack/client.js';
import { LEGACY_MANAGED_FILE } from './owostack/managed.js';
import { OwostackTarget } from './owostack/owostack-target.js';
import { OWOSTACK_LIVE_URL, OWOSTACK_SANDBOX_URL } from './owostack/routes.js';
import { TargetError, type Target } from './target.js';
import { DEFAULT_LOCAL_STATE, TARGET_NAMES } from './names.js';

export { DEFAULT_LOCAL_STATE, TARGET_NAMES, type TargetName } from './names.js';

export interface TargetSettings {
  name: string;
  /** Local: the state file. Remote: the API base URL. */
  endpoint?: string;
  env: NodeJS.ProcessEnv;
  /** Allows production keys (autumn `am_sk_live_`, owostack `owo_sk_live_`); owostack's default endpoint becomes production. */
  live?: boolean;
  /** The directory whose `.tollgate/` holds the file backend's state (a saved plan's); default the current one. */
  home?: string;
}


/**
 * The endpoint a target built from these settings names (as its `endpoint`), without building it: no key is
 * needed to find the state a target's applies left (history, unlock).
 */
export function endpointOf(settings: TargetSettings): string {
  switch (settings.name) {
    case 'local':
      return settings.endpoint ?? DEFAULT_LOCAL_STATE;
    case 'autumn':
      return httpEndpoint(settings.endpoint ?? AUTUMN_API_URL, 'autumn').replace(/\/+$/, '');
    case 'owostack':
      return httpEndpoint(settings.endpoint ?? (settings.live === true ? OWOSTACK_LIVE_URL : OWOSTACK_SANDBOX_URL), 'owostack').replace(/\/+$/, '');
    default:
      throw new UsageError(`Unknown target "${settings.name}"; choose one of ${TARGET_NAMES.join(', ')}.`);
  }
}

/** Builds a target from settings; unknown names are usage errors. */
export function createTarget(settings: TargetSettings): Target {
  switch (settings.name) {
    case 'local':
      return new LocalTarget(settings.endpoint ?? DEFAULT_LOCAL_STATE);
    case 'autumn':
      return new AutumnTarget({
        secretKey: autumnKey(settings),
        endpoint: httpEndpoint(settings.endpoint ?? AUTUMN_API_URL, 'autumn'),
      });
    case 'owostack':
      return new OwostackTarget({
        endpoint: settings.endpoint,
        secretKey: settings.env[OWOSTACK_KEY_VARIABLE],
        live: settings.live === true,
        legacyManagedFile: settings.home === undefined ? undefined : path.join(settings.home, LEGACY_MANAGED_FILE),
      });
    default:
      throw new UsageError(`Unknown target "${settings.name}"; choose one of ${TARGET_NAMES.join(', ')}.`);
  }
}

/** The secret key from AUTUMN_SECRET_KEY; never printed, and a production key only with --live. */
function autumnKey(settings: TargetSettings): string {
  const key = settings.env.AUTUMN_SECRET_KEY?.trim();
  if (!key) {
    throw new TargetError('AUTUMN_SECRET_KEY is not set: export your Autumn secret key in it (am_sk_test_… for the sandbox; any non-empty key for `tollgate emulate autumn`).');
  }
  if (key.startsWith('am_sk_live_') && !settings.live) {
    throw new TargetError('AUTUMN_SECRET_KEY holds a production key (am_sk_live_…). tollgate uses production keys only when asked to: pass --live.');
  }
  return key;
}

function httpEndpoint(endpoint: string, target: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`The ${target} endpoint "${endpoint}" is not a URL; give a base URL such as ${AUTUMN_API_URL}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`The ${target} endpoint "${endpoint}" must be an http(s) URL.`);
  }
  return endpoint;
}
