import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, Option } from 'commander';
import { BackendError } from '../backend/backend.js';
import { DIAGNOSTIC_FORMATS } from '../diagnostics/format/index.js';
import { TargetError } from '../targets/target.js';
import { DEFAULT_LOCAL_STATE, TARGET_NAMES } from '../targets/names.js';
import { readConfig, type ProjectConfig } from './config.js';
import { backendSetting } from './backend-setting.js';
import { givenInstant, resolveTime } from './time.js';
import { EXIT, UsageError, UserError } from './errors.js';
import { ExitError } from './exit.js';
import { wantsColor, type CliIO } from './io.js';
import { VERSION } from './version.js';

/** The real process streams. */
export function processIO(): CliIO {
  // A reader that stops early (`tollgate compile | head`) closes the pipe: stop quietly, as cat does.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    env: process.env,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    color: wantsColor(Boolean(process.stdout.isTTY), process.env),
    colorErr: wantsColor(Boolean(process.stderr.isTTY), process.env),
    onInterrupt: (handler) => {
      let count = 0;
      // The first Ctrl-C lets in-flight work finish; a second one quits at once.
      const listener = (): void => {
        if (++count > 1) process.exit(130);
        handler();
      };
      process.on('SIGINT', listener);
      return () => void process.off('SIGINT', listener);
    },
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

function choice<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${value}".`);
  return value as T;
}

/** The endpoint this run names, and where it was named (for messages); undefined when nothing names one. */
function endpointFor(target: string, flag: { value?: string; name: string }, config: ProjectConfig, env: NodeJS.ProcessEnv): { value?: string; from?: string } {
  if (flag.value !== undefined) return { value: flag.value, from: flag.name };
  if (target === 'local') return config.state === undefined ? {} : { value: config.state, from: 'tollgate.yaml "state"' };
  const variable = target === 'autumn' ? 'AUTUMN_API_URL' : target === 'owostack' ? 'OWOSTACK_API_URL' : undefined;
  if (variable !== undefined && env[variable] !== undefined) return { value: env[variable], from: variable };
  return config.endpoint === undefined ? {} : { value: config.endpoint, from: 'tollgate.yaml "endpoint"' };
}

/** Runs tollgate with arguments (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code: number = EXIT.ok;
  const config = (() => {
    try {
      return readConfig();
    } catch (error) {
      return error as Error;
    }
  })();

  const program = new Command('tollgate')
    .description('Billing controls as code: validate policies, resolve what each customer gets, plan and apply the changes to a billing system.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  const cfg = (): ProjectConfig => {
    if (config instanceof Error) throw config;
    return config;
  };
  const backendOption = () =>
    new Option('--backend <file|url>', 'where tollgate keeps its lock, managed set, records and history: file (.tollgate/, the default) or postgres://user@host/db (or TOLLGATE_BACKEND, tollgate.yaml "backend")');
  const backendOf = (opts: { backend?: string }) => backendSetting(opts.backend, io.env, cfg());
  const dirOption = () => new Option('--dir <path>', 'policy directory (default: "dir" in tollgate.yaml, else policies)');
  const targetOptions = (cmd: Command): Command =>
    cmd
      .addOption(new Option('--target <name>', `billing system: ${TARGET_NAMES.join(' | ')} (default: tollgate.yaml, else local)`))
      .addOption(new Option('--endpoint <url>', 'API base URL for remote targets (or AUTUMN_API_URL / OWOSTACK_API_URL); for local, the state file'))
      .addOption(new Option('--state <file>', `local target state file (default ${DEFAULT_LOCAL_STATE})`))
      .addOption(new Option('--live', 'allow production API keys (autumn am_sk_live_, owostack owo_sk_live_)'))
      .addOption(backendOption());
  // A saved plan names its target: that beats tollgate.yaml, and a --target that disagrees is refused.
  const namedTarget = (opts: { target?: string; endpoint?: string; state?: string; live?: boolean }, planned?: string) => {
    const name = choice(opts.target ?? planned ?? cfg().target ?? 'local', TARGET_NAMES, '--target');
    if (opts.state !== undefined && name !== 'local') throw new UsageError(`--state names the local target's state file; the ${name} target takes --endpoint.`);
    if (opts.state !== undefined && opts.endpoint !== undefined) throw new UsageError('--state and --endpoint both name the local state file; give one of them.');
    const flag = opts.endpoint !== undefined ? { value: opts.endpoint, name: '--endpoint' } : { value: name === 'local' ? opts.state : undefined, name: '--state' };
    const endpoint = endpointFor(name, flag, cfg(), io.env);
    return { settings: { name, endpoint: endpoint.value, env: io.env, live: Boolean(opts.live) }, endpointFrom: endpoint.from };
  };
  const targetSettings = (opts: { target?: string; endpoint?: string; state?: string; live?: boolean }) => namedTarget(opts).settings;
  const dirOf = (opts: { dir?: string }) => opts.dir ?? cfg().dir ?? 'policies';
  const atOption = () => new Option('--at <date>', 'resolve the policies at this instant: YYYY-MM-DD (00:00 UTC) or RFC 3339 (default: TOLLGATE_AT, else now)');
  const timeOf = (opts: { at?: string }) => resolveTime(opts.at, io.env, cfg().expiryWarningDays);

  program
    .command('validate')
    .description('Check the policies: YAML, schema and semantic rules. Exit 1 on errors.')
    .addOption(dirOption())
    .addOption(new Option('--format <format>', 'stylish | json | github | sarif (default: github when GITHUB_ACTIONS=true, else stylish)'))
    .option('--strict', 'treat warnings as errors')
    .option('--watch', 'keep running: validate again after each change to the policy files, checking only what the change touches (json and sarif: one report per line); Ctrl-C stops it (exit 0)')
    .addOption(atOption())
    .action(async (opts: { dir?: string; format?: string; strict?: boolean; watch?: boolean; at?: string }) => {
      const format = choice(opts.format ?? (io.env.GITHUB_ACTIONS === 'true' ? 'github' : 'stylish'), DIAGNOSTIC_FORMATS, '--format');
      if (opts.watch) {
        if (opts.strict) throw new UsageError('--strict sets the exit status of a single run; --watch runs until stopped (each run says its errors and warnings on stderr).');
        const fixedTime = givenInstant(opts.at, io.env) !== undefined;
        code = await (await import('./commands/validate-watch.js')).validateWatching({ dir: dirOf(opts), format, time: timeOf(opts), fixedTime }, io);
        return;
      }
      code = (await import('./commands/validate.js')).validateCommand({ dir: dirOf(opts), format, strict: Boolean(opts.strict), time: timeOf(opts) }, io);
    });

  program
    .command('compile')
    .description('Write the effective policy of every customer and entity, with provenance.')
    .addOption(dirOption())
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addOption(atOption())
    .action(async (opts: { dir?: string; output?: string; at?: string }) => {
      code = await (await import('./commands/compile.js')).compileCommand({ dir: dirOf(opts), output: opts.output, time: timeOf(opts) }, io);
    });

  targetOptions(
    program
      .command('plan')
      .description('Show what apply would change on the billing system, and what it does to money exposure.')
      .addOption(dirOption())
      .option('-o, --out <file>', 'also save the plan as JSON, for tollgate apply <file>')
      .addOption(new Option('--format <format>', 'text | markdown | json').default('text'))
      .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
      .option('--usage <source>', 'live | FILE | none: current usage, for what each change does at it (default live where the target reads usage; FILE is CSV customer,entity,feature,usage or JSON)')
      .addOption(atOption()),
  ).action(async (opts: { dir?: string; out?: string; format: string; detailedExitcode?: boolean; usage?: string; target?: string; endpoint?: string; state?: string; live?: boolean; backend?: string; at?: string }) => {
    const format = choice(opts.format, ['text', 'markdown', 'json'], '--format');
    code = await (await import('./commands/plan.js')).planCommand(
      { dir: dirOf(opts), target: targetSettings(opts), output: opts.out, format, detailedExitcode: Boolean(opts.detailedExitcode), backend: backendOf(opts), time: timeOf(opts), ...(opts.usage === undefined ? {} : { usage: opts.usage }) },
      io,
    );
  });

  targetOptions(
    program
      .command('apply')
      .argument('[plan]', 'a plan saved with tollgate plan -o: applied exactly, needing no other flag; refused when stale, edited by hand, or made for another target, endpoint, state file or --dir')
      .description('Push the changes to the billing system. Asks on a terminal; --yes to skip (required without one).')
      .addOption(dirOption())
      .option('--yes', 'apply without asking')
      .option('--report <file>', 'write the applied / failed / not attempted report as JSON (a path that cannot be written stops apply before its first write)'),
  ).action(async (planFile: string | undefined, opts: { dir?: string; yes?: boolean; report?: string; target?: string; endpoint?: string; state?: string; live?: boolean; backend?: string }) => {
    code = await (await import('./commands/apply.js')).applyCommand(
      {
        planFile,
        dir: dirOf(opts),
        dirFlag: opts.dir,
        targetFor: (planned) => namedTarget(opts, planned),
        targetExplicit: opts.target !== undefined,
        backend: backendOf(opts),
        yes: Boolean(opts.yes),
        report: opts.report,
        command: `tollgate ${argv.join(' ')}`,
        time: timeOf({}),
      },
      io,
    );
  });

  targetOptions(
    program
      .command('drift')
      .description('Show only what changed in the billing system outside tollgate since its last apply (live vs last applied), and the exceptions and waivers that have ended or end soon.')
      .addOption(dirOption())
      .addOption(new Option('--format <format>', 'text | markdown | json').default('text'))
      .option('--detailed-exitcode', 'exit 0 when there is no drift and nothing ending, 2 when there is, 1 on error')
      .addOption(atOption()),
  ).action(async (opts: { dir?: string; format: string; detailedExitcode?: boolean; target?: string; endpoint?: string; state?: string; live?: boolean; backend?: string; at?: string }) => {
    const format = choice(opts.format, ['text', 'markdown', 'json'], '--format');
    code = await (await import('./commands/drift.js')).driftCommand({ dir: dirOf(opts), target: targetSettings(opts), backend: backendOf(opts), format, detailedExitcode: Boolean(opts.detailedExitcode), time: timeOf(opts) }, io);
  });

  targetOptions(
    program
      .command('history')
      .argument('[id]', 'one apply, with what happened to each object')
      .description('List the applies made against a target (who, when, from which commit, with what result), newest first.')
      .option('--limit <n>', 'most applies to list', '20')
      .addOption(new Option('--format <format>', 'text | json').default('text')),
  ).action(async (id: string | undefined, opts: { limit: string; format: string; target?: string; endpoint?: string; state?: string; live?: boolean; backend?: string }) => {
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number of at least 1; got "${opts.limit}".`);
    code = await (await import('./commands/history.js')).historyCommand({ id, limit, format: choice(opts.format, ['text', 'json'], '--format'), target: targetSettings(opts), backend: backendOf(opts) }, io);
  });

  targetOptions(
    program
      .command('unlock')
      .description('Clear an apply lock left by an apply that died. Refused while its holder still runs; PostgreSQL frees its locks by itself.')
      .option('--force', 'also clear a file lock held from another host (tollgate cannot check a process there)'),
  ).action(async (opts: { force?: boolean; target?: string; endpoint?: string; state?: string; live?: boolean; backend?: string }) => {
    code = await (await import('./commands/unlock.js')).unlockCommand({ target: targetSettings(opts), backend: backendOf(opts), force: Boolean(opts.force) }, io);
  });

  targetOptions(
    program
      .command('import')
      .description('Write policy files for the controls a billing system holds now, so that plan shows no changes; never overwrites a file.')
      .addOption(dirOption())
      .option('--customer <id...>', 'import these customers (and their entities)')
      .option('--all', 'import every customer that holds controls')
      .option('--profiles', 'move controls three or more customers hold alike into generated profiles')
      .option('--catalog', "also write Autumn's features and plans the policies lack (features.yaml, plans/<id>.yaml)")
      .option('--currency <code>', 'currency of the plans --catalog writes (Autumn does not say; default USD)')
      .option('--plan <id>', 'the plan of customers whose plan the billing system does not say (Owostack)')
      .addHelpText('after', '\nAfter writing the files, import marks the imported Autumn customers as managed (the tollgate_managed metadata\napply writes; no billing control changes), so that plan shows no changes and a deleted file plans clearing.'),
  ).action(async (opts: { dir?: string; customer?: string[]; all?: boolean; profiles?: boolean; catalog?: boolean; currency?: string; plan?: string; target?: string; endpoint?: string; state?: string; live?: boolean; backend?: string }) => {
    code = await (await import('./commands/import.js')).importCommand(
      {
        dir: dirOf(opts),
        target: targetSettings(opts),
        customers: opts.customer ?? [],
        all: Boolean(opts.all),
        profiles: Boolean(opts.profiles),
        catalog: Boolean(opts.catalog),
        currency: opts.currency,
        plan: opts.plan,
        command: `tollgate ${argv.join(' ')}`,
        backend: backendOf(opts),
      },
      io,
    );
  });

  program
    .command('explain')
    .argument('<subject>', 'customer or customer/entity')
    .argument('[feature]', 'only this feature')
    .description('Show each effective value of a customer or entity, where it was set, and what it overrode.')
    .addOption(dirOption())
    .addOption(atOption())
    .action(async (subject: string, feature: string | undefined, opts: { dir?: string; at?: string }) => {
      code = (await import('./commands/explain.js')).explainCommand({ dir: dirOf(opts), subject, feature, time: timeOf(opts) }, io);
    });

  program
    .command('lsp')
    .description('Serve the Language Server Protocol on stdin/stdout for editors: diagnostics as you type, completion, hover, definitions, references.')
    .addOption(dirOption())
    .option('--stdio', 'accepted for editors that pass it; stdio is the only transport')
    .action(async (opts: { dir?: string }) => {
      const days = cfg().expiryWarningDays;
      code = await (await import('./commands/lsp.js')).lspCommand({ dir: dirOf(opts), ...(days === undefined ? {} : { expiryWarningDays: days }) }, io);
    });

  program
    .command('simulate')
    .argument('<subject>', 'customer or customer/entity')
    .argument('[usages...]', '<feature>=<usage> (on a customer also <entity>/<feature>=<usage>); unlisted features at 0')
    .description('Show per feature where alerts fire, top-ups buy and usage is blocked, and the state at the usages given.')
    .addOption(dirOption())
    .addOption(atOption())
    .addOption(new Option('--format <format>', 'text | json').default('text'))
    .action(async (subject: string, usages: string[], opts: { dir?: string; at?: string; format: string }) => {
      const format = choice(opts.format, ['text', 'json'], '--format');
      code = (await import('./commands/simulate.js')).simulateCommand({ dir: dirOf(opts), subject, usages, format, time: timeOf(opts), atNamed: opts.at !== undefined }, io);
    });

  program
    .command('emulate')
    .argument('<api>', 'autumn | owostack')
    .description('Run a loopback emulator of a billing API, for tests and trying tollgate without an account.')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option('--rate-limit <n|none>', 'requests per second before 429s, or none for no limit', '25')
    .option('--fault-rate <x>', 'share of requests that fail (0-1)', '0')
    .option('--fault-seed <n>', 'seed of the fault sequence', '1')
    .option('--latency <ms>', 'added latency per request', '0')
    .option('--secret-key <key>', 'the only key accepted (default: any non-empty key)')
    .option('--state <file>', 'load and keep the whole state in this JSON file')
    .action(async (api: string, opts: Record<string, string | undefined>) => {
      code = await (await import('./commands/emulate.js')).emulateCommand(choice(api, ['autumn', 'owostack'], 'emulate'), opts, io);
    });

  try {
    if (argv.length === 0) {
      io.out(program.helpInformation());
      return EXIT.ok;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    return exitCodeFor(error, io);
  }
}

/** Sorts failures into expected exits, user errors (message only) and bugs (stack and a request to report). */
function exitCodeFor(error: unknown, io: CliIO): number {
  if (error instanceof ExitError) return error.code;
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof UsageError || (error instanceof BackendError && error.code === 'bad-url')) {
    io.err(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof UserError || error instanceof TargetError || error instanceof BackendError) {
    io.err(`error: ${error.message}\n`);
    return EXIT.failed;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  io.err(`tollgate hit an internal error. This is a bug; please report it with the output below.\n${e.stack ?? e.message}\n`);
  return EXIT.failed;
}
