import type { FaultKind } from './faults.js';

/** Failures the shared pipeline answers itself, before an API's own routes see the request. */
export type PipelineErrorCode =
  'unauthorized' | 'rate_limited' | 'server_error' | 'duplicate_idempotency_key' | 'invalid_json' | 'payload_too_large';

/** One authenticated request, as an emulated API's router sees it. */
export interface ApiCall {
  method: string;
  /** URL path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names; Authorization is removed. */
  headers: Record<string, string>;
  /** Parsed JSON body; undefined when the body was empty. */
  body: unknown;
  /** The Bearer key the caller authenticated with. */
  apiKey: string;
}

/** A change to the stored state, returned rather than applied so a fault can drop it. */
export interface ApiWrite {
  /** Which stored object the write touches, e.g. `customer/cust_1`; the request log records it. */
  object: string;
  apply(): void;
}

/** What a router answers: the response, and the write to store if the response is a success. */
export interface ApiOutcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  write?: ApiWrite;
}

/** What each emulated billing API plugs into the shared pipeline. */
export interface EmulatedApi<S> {
  /** Name recorded in the state file, so one API's file is never loaded into the other. */
  readonly name: string;
  /** Routes one call; must not mutate state itself, only through the returned write. */
  handle(call: ApiCall): ApiOutcome;
  /** The API's error body for a failure the pipeline detected. */
  pipelineError(code: PipelineErrorCode, message: string, apiKey: string | null): unknown;
  /** A JSON-safe copy of the whole state. */
  snapshot(): S;
  /** Replaces the whole state with one read from a state file; throws when it is malformed. */
  restore(state: unknown): void;
}

/** One request as the emulator saw it, for tests and debugging. */
export interface LoggedRequest {
  seq: number;
  method: string;
  path: string;
  /** Lower-cased header names, without Authorization. */
  headers: Record<string, string>;
  /** Parsed JSON body, the raw text when it was not JSON, undefined when empty. */
  body: unknown;
  /** HTTP status sent; null when the connection was dropped without a response. */
  status: number | null;
  fault: FaultKind | null;
  /** The stored object this request wrote, when it wrote one. */
  object: string | null;
  /** Whether the write was stored (it may be stored and the response still dropped). */
  stored: boolean;
}
