import { describe, expect, it } from 'vitest';
import type { ApplyProgress } from '../../src/apply/apply.js';
import type { CliIO } from '../../src/cli/io.js';
import { progressDisplay, progressLine } from '../../src/cli/progress.js';

function io(tty: boolean): CliIO & { text: string } {
  const sink = { text: '' };
  return Object.assign(sink, {
    out: () => {},
    err: (t: string) => void (sink.text += t),
    env: {},
    stdinIsTTY: false,
    stderrIsTTY: tty,
    color: false,
    colorErr: false,
    ask: async () => '',
  });
}

const at = (done: number, total: number, extra: Partial<ApplyProgress> = {}): ApplyProgress => ({ total, done, applied: done, failed: 0, inFlight: 0, retries: 0, elapsedMs: done * 40, ...extra });

describe('apply progress', () => {
  it('says what is done, failed, in flight and retried', () => {
    expect(progressLine(at(412, 1000, { applied: 410, failed: 2, inFlight: 8, retries: 3, elapsedMs: 16_500 }))).toBe(
      'apply: 412/1000 objects, 410 applied, 2 failed, 8 in flight, 3 retries (16.5s)',
    );
  });

  it('on a terminal, rewrites one line in place and ends it with a newline', () => {
    let clock = 0;
    const out = io(true);
    const display = progressDisplay(out, 5000, () => clock);
    for (let done = 1; done <= 1000; done++) {
      clock += 1;
      display.update(at(done, 1000));
    }
    display.finish();
    expect(out.text.split('\n')).toHaveLength(2);
    expect(out.text.startsWith('\r')).toBe(true);
    expect(out.text.split('\r').length - 1).toBeLessThanOrEqual(12); // at most ten redraws a second, plus the last
    expect(out.text.endsWith('apply: 1000/1000 objects, 1000 applied (40.0s)\n')).toBe(true);
  });

  it('elsewhere, prints a line per tenth on long applies and every 5 s on slow ones', () => {
    let clock = 0;
    const out = io(false);
    const display = progressDisplay(out, 5000, () => clock);
    for (let done = 1; done <= 1000; done++) display.update(at(done, 1000));
    display.finish();
    expect(out.text.trim().split('\n')).toHaveLength(11);
    expect(out.text).not.toContain('\r');

    const slow = io(false);
    const slowDisplay = progressDisplay(slow, 5000, () => clock);
    for (let done = 1; done <= 10; done++) {
      clock += 2000;
      slowDisplay.update(at(done, 10));
    }
    slowDisplay.finish();
    expect(slow.text.trim().split('\n').length).toBeGreaterThanOrEqual(3);
  });
});
