import {
  OWOSTACK_ROUTES,
  type OwostackCustomer,
  type OwostackFailure,
  type OwostackSetFeatureConfigRequest,
  type OwostackSetOverageLimitRequest,
  type OwostackSuccess,
} from '../../emulate/owostack/routes.js';
import { systemClock, type Clock } from '../../apply/clock.js';
import { TokenBucket } from '../../apply/token-bucket.js';
import { isRetryableStatus, parseJson, parseRetryAfter } from '../http.js';
import { TargetError } from '../target.js';

/** The environment variable holding Owostack's secret key. */
export const OWOSTACK_KEY_VARIABLE = 'OWOSTACK_SECRET_KEY';

/** A request that has not answered by then is abandoned and counted as a retryable network failure. */
const REQUEST_TIMEOUT_MS = 30_000;

export type OwostackCall = keyof typeof OWOSTACK_ROUTES;

export interface OwostackClientOptions {
  baseUrl: string;
  secretKey: string;
  /** Requests per second, over every call of this client; undefined for no limit. */
  rateLimit?: number;
  clock?: Clock;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * A thin client for the three Owostack calls tollgate makes (routes in OWOSTACK_ROUTES). One HTTP request
 * per method call, no retries: failures are TargetErrors classified for the shared executor.
 */
export class OwostackClient {
  readonly baseUrl: string;
  private readonly secretKey: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly bucket: TokenBucket | undefined;

  constructor(options: OwostackClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.secretKey = options.secretKey;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.bucket = options.rateLimit === undefined ? undefined : new TokenBucket(options.rateLimit, options.clock ?? systemClock);
  }

  /** Reads a customer with its billing config. Owostack creates a customer it has not seen yet. */
  customer(id: string): Promise<OwostackCustomer> {
    return this.call('customer', { customer: id });
  }

  /** Sets (or with nulls clears) one feature's override for one customer. */
  setFeatureConfig(body: OwostackSetFeatureConfigRequest, idempotencyKey: string): Promise<OwostackCustomer> {
    return this.call('setFeatureConfig', body, idempotencyKey);
  }

  /** Sets (or with a null amount removes) the customer-wide overage cap. */
  setOverageLimit(body: OwostackSetOverageLimitRequest, idempotencyKey: string): Promise<OwostackCustomer> {
    return this.call('setOverageLimit', body, idempotencyKey);
  }

  private async call(name: OwostackCall, body: object, idempotencyKey?: string): Promise<OwostackCustomer> {
    const route = OWOSTACK_ROUTES[name];
    const url = this.baseUrl + route.path;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.secretKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    await this.bucket?.take();
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method: route.method,
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw networkError(name, url, error);
    }
    const parsed = parseJson(text);
    if (response.ok && isSuccess(parsed)) return parsed.data;
    throw this.apiError(name, response, parsed, text);
  }

  private apiError(name: OwostackCall, response: Response, parsed: unknown, text: string): TargetError {
    const { status } = response;
    const { code, message } = errorOf(parsed, text, status);
    const said = this.redact(message);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const where = `Owostack ${name} answered ${status}${code === undefined ? '' : ` ${code}`}`;
    if (status === 401 || status === 403) {
      return new TargetError(
        `${where}: ${said}. Check ${OWOSTACK_KEY_VARIABLE}: it must be a secret key of the Owostack account at ${this.baseUrl}.`,
        { status, code, fatal: true },
      );
    }
    if (status === 409 && code === 'duplicate_idempotency_key') {
      return new TargetError(`${where}: ${said}`, { status, code, duplicate: true });
    }
    const options = { status, retryable: isRetryableStatus(status), ...(code === undefined ? {} : { code }), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    return new TargetError(`${where}: ${said}`, options);
  }

  /** An API message must never echo the key back into tollgate's output. */
  private redact(message: string): string {
    return this.secretKey.length >= 4 ? message.split(this.secretKey).join('[redacted]') : message;
  }
}

function isSuccess(value: unknown): value is OwostackSuccess<OwostackCustomer> {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as { success?: unknown; data?: { billing?: { featureConfigs?: unknown } } };
  return body.success === true && Array.isArray(body.data?.billing?.featureConfigs);
}

/** The API's own message from either failure shape: {error: "..."} or {error: {code, message}}. */
export function errorOf(parsed: unknown, text: string, status: number): { code?: string; message: string } {
  const error = (parsed as Partial<OwostackFailure> | undefined)?.error;
  if (typeof error === 'string' && error !== '') return { message: error };
  if (typeof error === 'object' && error !== null && typeof error.message === 'string') {
    return typeof error.code === 'string' ? { code: error.code, message: error.message } : { message: error.message };
  }
  if (status < 400) return { message: 'the response is not a customer in Owostack\'s {"success": true, "data": ...} shape' };
  const snippet = text.trim().slice(0, 200);
  return { message: snippet === '' ? 'no error message' : `unexpected response: ${snippet}` };
}

// Refused connections and unknown hosts are a wrong endpoint, not a blip: fail fast with the URL.
const PERMANENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_INVALID_URL', 'ERR_INVALID_ARG_VALUE']);

function networkError(name: OwostackCall, url: string, error: unknown): TargetError {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: string } | undefined)?.code;
  const timedOut = (error as Error | undefined)?.name === 'TimeoutError';
  const detail = timedOut ? 'no answer in time' : (cause?.message ?? (error as Error | undefined)?.message ?? String(error));
  if (code !== undefined && PERMANENT_NETWORK_CODES.has(code)) {
    return new TargetError(
      `Cannot reach Owostack at ${url} (${code}). Check the endpoint (--endpoint, OWOSTACK_API_URL or "endpoint" in tollgate.yaml).`,
      { code, fatal: true },
    );
  }
  return new TargetError(`Owostack ${name} failed on the network: ${detail}`, { retryable: true, ...(code === undefined ? {} : { code }) });
}
