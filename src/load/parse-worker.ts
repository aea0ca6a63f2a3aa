// A worker thread that parses policy files for analyze() (see parallel-parse.ts and parse-loop.ts).
import { workerData } from 'node:worker_threads';
import type { ParseWork } from './parallel-parse.js';
import { parseClaimedFiles } from './parse-loop.js';

parseClaimedFiles(workerData as ParseWork);
