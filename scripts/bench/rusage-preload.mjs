// Loaded with `node --import` by scripts/bench.mjs when GNU /usr/bin/time is not available: on exit,
// writes this process's own resource usage (peak RSS in KiB, CPU time in µs) to $TOLLGATE_BENCH_RUSAGE.
// A process killed by a signal (out of memory, timeout) writes nothing; the harness reports that.
import { writeFileSync } from 'node:fs';

const file = process.env.TOLLGATE_BENCH_RUSAGE;
if (file) {
  process.on('exit', () => {
    try {
      const u = process.resourceUsage();
      writeFileSync(file, JSON.stringify({ maxRSS: u.maxRSS, userCPUTime: u.userCPUTime, systemCPUTime: u.systemCPUTime }));
    } catch {
      // measuring must never change the outcome of the measured command
    }
  });
}
