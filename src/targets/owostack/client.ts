import { systemClock, type Clock } from '../../util/clock.js';
import { TokenBucket } from '../../util/token-bucket.js';
import { describeBody, isRetryableStatus, mebibytes, parseJson, parseRetryAfter, readAnswer } from '../http.js';
import { TargetError } from '../target.js';
import { readCustomerAnswer, readWriteAnswer, type CustomerRead } from './responses.js';
import {
  customerPath,
  OWOSTACK_ROUTES,
  type OwostackFailure,
  type OwostackSetFeatureConfigRequest,
  type OwostackSetOverageLimitRequest,
} from './routes.js';

/** The environment variable holding Owostack's secret key. */
export const OWOSTACK_KEY_VARIABLE = 'OWOSTACK_SECRET_KEY';

/** A request that has not answered by then is abandoned and counted as a retryable network failure. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The calls tollgate makes, named as in OWOSTACK_ROUTES. */
export type OwostackCall = 'customer' | 'setFeatureConfig' | 'setOverageLimit';

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
 * per method call, no retries: failures are TargetErrors classified for the shared executor, and every
 * answer is checked against its documented shape before anything reads it.
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

  /** Reads a customer's billing config; an unknown customer is a TargetError with status 404. */
  async customer(id: string): Promise<CustomerRead> {
    const path = customerPath(id);
    const answer = await this.call('customer', path);
    return readCustomerAnswer(answer, id, { route: `GET ${path}`, baseUrl: this.baseUrl });
  }

  /** Sets (or with both fields null clears) one feature's override for one customer. */
  async setFeatureConfig(body: OwostackSetFeatureConfigRequest, idempotencyKey: string): Promise<void> {
    const { path } = OWOSTACK_ROUTES.setFeatureConfig;
    readWriteAnswer(await this.call('setFeatureConfig', path, body, idempotencyKey), { route: `POST ${path}`, baseUrl: this.baseUrl });
  }

  /** Sets (or with a null amount removes) the customer-wide overage cap. */
  async setOverageLimit(body: OwostackSetOverageLimitRequest, idempotencyKey: string): Promise<void> {
    const { path } = OWOSTACK_ROUTES.setOverageLimit;
    readWriteAnswer(await this.call('setOverageLimit', path, body, idempotencyKey), { route: `POST ${path}`, baseUrl: this.baseUrl });
  }

  /** One request; the parsed JSON of a 2xx answer, anything else thrown as a TargetError. */
  private async call(name: OwostackCall, path: string, body?: object, idempotencyKey?: string): Promise<unknown> {
    const { method } = OWOSTACK_ROUTES[name];
    const url = this.baseUrl + path;
    const route = `${method} ${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.secretKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    await this.bucket?.take();
    let response: Response;
    let answer: Awaited<ReturnType<typeof readAnswer>>;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      answer = await readAnswer(response);
    } catch (error) {
      throw networkError(name, url, error);
    }
    if (!answer.ok) {
      throw new TargetError(`Owostack's answer to ${route} is larger than ${mebibytes(answer.tooLarge)}; tollgate stopped reading it. Check that ${this.baseUrl} is Owostack's API.`);
    }
    const parsed = parseJson(answer.text);
    const refused = (parsed as { success?: unknown } | undefined)?.success === false;
    if (response.ok && parsed !== undefined && !refused) return parsed;
    if (response.ok && parsed === undefined) {
      throw new TargetError(`Owostack answered ${route} with ${describeBody(answer.text, response.headers.get('content-type'))}. Check that ${this.baseUrl} is Owostack's API.`, { status: response.status });
    }
    throw this.apiError(name, response, parsed, answer.text);
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
    if (status === 404 && typeof (parsed as { success?: unknown } | undefined)?.success !== 'boolean') {
      // Not Owostack's envelope: the base URL is wrong, not the customer unknown.
      return new TargetError(
        `${where}: ${said}. That is not Owostack's answer: check the endpoint ${this.baseUrl} (--endpoint, OWOSTACK_API_URL or "endpoint" in tollgate.yaml).`,
        { status, fatal: true },
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

/** The API's own message from either failure shape: {error: "..."} or {error: {code, message}}. */
export function errorOf(parsed: unknown, text: string, status: number): { code?: string; message: string } {
  const error = (parsed as Partial<OwostackFailure> | undefined)?.error;
  if (typeof error === 'string' && error !== '') return { message: error };
  if (typeof error === 'object' && error !== null && typeof error.message === 'string') {
    return typeof error.code === 'string' ? { code: error.code, message: error.message } : { message: error.message };
  }
  if (status < 400) return { message: 'the answer says {"success": false} without an error message' };
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
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
