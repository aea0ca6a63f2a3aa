// Part of `npm run build`: compiles the policy schema's validators ahead of time into dist/validate/, so that a
// run does not spend 0.2 s compiling them (src/validate/schema.ts compiles them itself when the file is absent).
import { writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { AJV_OPTIONS, DOCUMENT_KINDS, documentSchema, PRECOMPILED_VALIDATORS } from '../dist/validate/schema.js';

const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true } });
for (const kind of DOCUMENT_KINDS) ajv.addSchema(documentSchema(kind), kind);
const code = standaloneCode.default(ajv, Object.fromEntries(DOCUMENT_KINDS.map((kind) => [kind, kind])));
writeFileSync(new URL(`../dist/validate/${PRECOMPILED_VALIDATORS}`, import.meta.url), code);
