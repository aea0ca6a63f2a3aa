import type { EmulatorOptions } from '../../emulate/common/options.js';
import { EmulatorStartError } from '../../emulate/common/start-error.js';
import { UsageError, UserError } from '../errors.js';
import type { CliIO } from '../io.js';

/** Raw `tollgate emulate` options, as commander passes them. */
export type EmulateOptions = Partial<Record<'port' | 'rateLimit' | 'faultRate' | 'faultSeed' | 'latency' | 'secretKey' | 'state', string>>;

function number(value: string | undefined, flag: string, check: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`${flag} must be ${what}; got "${value}".`);
  return n;
}

/** Emulator options from the command line; wrong values are usage errors. */
export function emulatorOptions(opts: EmulateOptions): EmulatorOptions {
  const options: EmulatorOptions = {
    port: number(opts.port, '--port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number (0-65535)') ?? 0,
  };
  // "none" says no limit in so many words; 0 would read as "no requests at all".
  const rateLimit = opts.rateLimit === 'none' ? 0 : number(opts.rateLimit, '--rate-limit', (n) => n > 0, 'a positive number of requests per second, or none for no limit');
  const faultRate = number(opts.faultRate, '--fault-rate', (n) => n >= 0 && n <= 1, 'a share between 0 and 1');
  const faultSeed = number(opts.faultSeed, '--fault-seed', Number.isInteger, 'an integer');
  const latency = number(opts.latency, '--latency', (n) => n >= 0, 'a number of milliseconds');
  if (rateLimit !== undefined) options.rateLimit = rateLimit;
  if (faultRate !== undefined) options.faultRate = faultRate;
  if (faultSeed !== undefined) options.faultSeed = faultSeed;
  if (latency !== undefined) options.latencyMs = latency;
  if (opts.secretKey !== undefined) options.secretKey = opts.secretKey;
  if (opts.state !== undefined) options.statePath = opts.state;
  return options;
}

const HINTS: Record<EmulatorStartError['subject'], string> = {
  port: 'stop what listens there, or choose another --port (without --port a free one is picked)',
  'state-file': 'fix or remove the file, or give another --state',
};

async function start(api: 'autumn' | 'owostack', options: EmulatorOptions) {
  try {
    // Loaded here, not at start-up: the Autumn emulator pulls in autumn-js, which every other command can do without.
    return api === 'autumn'
      ? await (await import('../../emulate/autumn/emulator.js')).startAutumnEmulator(options)
      : await (await import('../../emulate/owostack/emulator.js')).startOwostackEmulator(options);
  } catch (error) {
    if (error instanceof EmulatorStartError) {
      const reason = error.message.charAt(0).toLowerCase() + error.message.slice(1);
      throw new UserError(`Cannot start the ${api} emulator: ${reason}; ${HINTS[error.subject]}.`);
    }
    throw error;
  }
}

/** `tollgate emulate autumn|owostack`: serves on loopback until SIGINT or SIGTERM, then closes cleanly. */
export async function emulateCommand(api: 'autumn' | 'owostack', opts: EmulateOptions, io: CliIO): Promise<number> {
  const options = emulatorOptions(opts);
  const emulator = await start(api, options);
  io.out(`Listening on ${emulator.url}\n`);
  const base = 'baseUrl' in emulator ? emulator.baseUrl : emulator.url;
  const variable = api === 'autumn' ? 'AUTUMN' : 'OWOSTACK';
  const key = options.secretKey === undefined ? 'any non-empty key' : 'the key given with --secret-key';
  io.err(`Point tollgate at it with ${variable}_API_URL=${base} and ${variable}_SECRET_KEY set to ${key}. Ctrl-C stops it.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.close();
  io.err(`Stopped the ${api} emulator.\n`);
  return 0;
}
