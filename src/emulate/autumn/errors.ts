import type { ApiOutcome, PipelineErrorCode } from '../common/api.js';

/** Autumn's environments; live keys start with `am_sk_live_`. */
export type AutumnEnv = 'sandbox' | 'live';

/** The environment a secret key belongs to. */
export function envOfKey(apiKey: string | null): AutumnEnv {
  return apiKey?.startsWith('am_sk_live_') === true ? 'live' : 'sandbox';
}

/** Autumn's error body: always `{message, code, env}`. */
export function autumnErrorBody(
  code: string,
  message: string,
  env: AutumnEnv,
): { message: string; code: string; env: AutumnEnv } {
  return { message, code, env };
}

/** An error response in Autumn's shape. */
export function autumnError(status: number, code: string, message: string, env: AutumnEnv): ApiOutcome {
  return { status, body: autumnErrorBody(code, message, env) };
}

/** Autumn's codes for the failures the shared pipeline answers. */
export const PIPELINE_CODES: Record<PipelineErrorCode, string> = {
  unauthorized: 'unauthorized',
  rate_limited: 'rate_limit_exceeded',
  server_error: 'internal_error',
  duplicate_idempotency_key: 'duplicate_idempotency_key',
  invalid_json: 'invalid_inputs',
  payload_too_large: 'invalid_inputs',
};
