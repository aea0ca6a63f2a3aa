// The state backend of SPEC §9: the apply lock, the managed set and last-applied records, and the apply
// history, per (target, endpoint), in files under .tollgate/ or in PostgreSQL.
export * from './backend.js';
export { currentActor, currentCommit, lockHolder } from './identity.js';
export { selectBackend, openBackend, type BackendSelection, type OpenOptions } from './select.js';
export { DEFAULT_STATE_DIR, scopeFolder } from './file-backend.js';
export { SCHEMA_VERSION } from './postgres-schema.js';
export { redactUrl, scrub } from './postgres-url.js';
export { planDigest, recordWritten, unrecorded, historyOf } from './apply-record.js';
export { recordingHooks } from './recording.js';
