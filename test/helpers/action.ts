// Runs the steps of the repository's composite GitHub Action (action.yml) the way a runner does: each `run`
// under `bash --noprofile --norc -eo pipefail`, with `${{ inputs.* }}` filled in from the inputs and their defaults.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

/** The parts of action.yml the tests read. */
export interface ActionFile {
  name: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Array<{ id?: string; name?: string; shell?: string; run?: string; uses?: string; env?: Record<string, string>; 'working-directory'?: string }> };
}

/** Reads and parses action.yml at a repository root. */
export function readAction(repo: string): ActionFile {
  return parse(readFileSync(path.join(repo, 'action.yml'), 'utf8')) as ActionFile;
}

/** Replaces `${{ inputs.name }}` with the input's value (or default); any other expression is a test error. */
function expand(text: string, inputs: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const m = /^inputs\.([\w-]+)$/.exec(expr);
    if (!m || !(m[1]! in inputs)) throw new Error(`action.yml: cannot evaluate \${{ ${expr} }} here`);
    return inputs[m[1]!]!;
  });
}

/** What a run of the action left: the failing step's exit code (0 when all passed), its outputs and output. */
export interface ActionRun {
  code: number;
  outputs: Record<string, string>;
  stdout: string;
  stderr: string;
}

/** Runs every step of the action at `actionPath` in `cwd` with the given inputs, stopping at the first failure. */
export async function runAction(actionPath: string, given: Record<string, string>, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<ActionRun> {
  const action = readAction(actionPath);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = given[name] ?? spec.default;
    if (value === undefined && spec.required) throw new Error(`action input ${name} is required`);
    inputs[name] = value ?? '';
  }
  for (const name of Object.keys(given)) if (!(name in action.inputs)) throw new Error(`action.yml has no input ${name}`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tollgate-action-'));
  const outputFile = path.join(scratch, 'output');
  const run: ActionRun = { code: 0, outputs: {}, stdout: '', stderr: '' };
  try {
    for (const step of action.runs.steps) {
      if (step.run === undefined) throw new Error(`action step ${step.name ?? '?'} is not a run step`);
      const stepEnv: NodeJS.ProcessEnv = { ...env, GITHUB_ACTION_PATH: actionPath, GITHUB_OUTPUT: outputFile };
      for (const [key, value] of Object.entries(step.env ?? {})) stepEnv[key] = expand(value, inputs);
      const dir = path.resolve(cwd, expand(step['working-directory'] ?? '.', inputs));
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { cwd: dir, env: stepEnv });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      });
      run.stdout += result.stdout;
      run.stderr += result.stderr;
      if (result.code !== 0) {
        run.code = result.code;
        break;
      }
    }
    let text = '';
    try {
      text = readFileSync(outputFile, 'utf8');
    } catch {
      // no step wrote an output
    }
    for (const line of text.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) run.outputs[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return run;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
