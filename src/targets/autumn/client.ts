// The HTTP side of the Autumn target: Autumn's RPC routes (SPEC §5), its headers, and its errors
// sorted into what is worth retrying. One request per send(); reads are retried here, writes by the executor.
import type {
  GetCustomerParams$Outbound,
  GetPlanParams$Outbound,
  ListCustomersParams$Outbound,
  ListEntitiesParams$Outbound,
  UpdateCustomerParams$Outbound,
  UpdateEntityParams$Outbound,
  UpdatePlanParams$Outbound,
} from 'autumn-js';
import { retrying, type RetryPolicy } from '../backoff.js';
import type { Clock, Random } from '../../util/clock.js';
import type { TokenBucket } from '../../util/token-bucket.js';
import { describeBody, isRetryableStatus, mebibytes, parseJson, parseRetryAfter, readAnswer } from '../http.js';
import { TargetError } from '../target.js';

export const AUTUMN_API_URL = 'https://api.useautumn.com';
/** The API version whose read shapes tollgate understands (2.3.0 marks plan-inherited entries). */
export const AUTUMN_API_VERSION = '2.3.0';

/** Request bodies per route, in the SDK's wire types; plans.update sends only what tollgate sets. */
export interface AutumnRoutes {
  '/v1/customers.get': GetCustomerParams$Outbound;
  '/v1/customers.list': ListCustomersParams$Outbound;
  '/v1/customers.update': Pick<UpdateCustomerParams$Outbound, 'customer_id' | 'billing_controls' | 'metadata'>;
  '/v1/entities.list': ListEntitiesParams$Outbound;
  '/v1/entities.update': UpdateEntityParams$Outbound;
  '/v1/plans.get': GetPlanParams$Outbound;
  '/v1/plans.update': Pick<UpdatePlanParams$Outbound, 'plan_id' | 'billing_controls'>;
}
export type AutumnRoute = keyof AutumnRoutes;

/** An error answer from Autumn: `{message, code, env}` with its HTTP status. */
export class AutumnApiError extends TargetError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    /** The API's own message, with the secret key scrubbed out. */
    readonly apiMessage: string,
    retryAfterMs?: number,
  ) {
    super(message, {
      status,
      code,
      retryable: isRetryableStatus(status),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      duplicate: status === 409 && code === 'duplicate_idempotency_key',
      fatal: status === 401 || status === 403,
    });
    this.name = 'AutumnApiError';
  }
}

export interface AutumnClientOptions {
  baseUrl: string;
  secretKey: string;
  clock: Clock;
  random: Random;
  /** Shared by every request this client sends, so reads and writes spend one budget. */
  bucket?: TokenBucket;
  timeoutMs: number;
  retry: RetryPolicy;
  fetch?: typeof fetch;
}

/** Speaks Autumn's API over fetch. */
export class AutumnClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: AutumnClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** One attempt of one request; answers other than 2xx are thrown as AutumnApiError, network failures as retryable TargetError. */
  async send<R extends AutumnRoute>(route: R, body: AutumnRoutes[R], idempotencyKey?: string): Promise<unknown> {
    const { baseUrl, secretKey, timeoutMs } = this.options;
    await this.options.bucket?.take();
    const headers: Record<string, string> = {
      authorization: `Bearer ${secretKey}`,
      'x-api-version': AUTUMN_API_VERSION,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    let response: Response;
    let answer: Awaited<ReturnType<typeof readAnswer>>;
    try {
      response = await this.fetch(baseUrl + route, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
      answer = await readAnswer(response);
    } catch (error) {
      throw networkError(error, baseUrl, route, timeoutMs);
    }
    if (!answer.ok) {
      throw new TargetError(`Autumn's answer to ${route} is larger than ${mebibytes(answer.tooLarge)}; tollgate stopped reading it. Is the endpoint an Autumn API?`, { status: response.status });
    }
    const text = answer.text;
    const parsed = parseJson(text);
    if (response.ok) {
      // A 2xx page that is not JSON (a proxy's or a login page) will be the same page on the next try.
      if (parsed === undefined) throw new TargetError(`Autumn answered ${route} with ${describeBody(text, response.headers.get('content-type'))}. Is the endpoint an Autumn API?`, { status: response.status });
      return parsed;
    }
    const error = (parsed ?? {}) as { message?: unknown; code?: unknown };
    const code = typeof error.code === 'string' ? error.code : httpCode(response.status);
    const apiMessage = scrub(typeof error.message === 'string' ? error.message : text.replace(/\s+/g, ' ').trim().slice(0, 200) || response.statusText, secretKey);
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
    throw new AutumnApiError(messageFor(response.status, code, apiMessage, baseUrl), response.status, code, apiMessage, retryAfter);
  }

  /** A read, tried again on 429, 5xx, timeouts and dropped connections. */
  read<R extends AutumnRoute>(route: R, body: AutumnRoutes[R]): Promise<unknown> {
    const { retry, clock, random } = this.options;
    return retrying(() => this.send(route, body), { policy: retry, clock, random });
  }
}

function messageFor(status: number, code: string, apiMessage: string, baseUrl: string): string {
  if (status === 401 || status === 403) {
    return `Autumn refused the secret key in AUTUMN_SECRET_KEY (${status} ${code}: ${apiMessage}). Check that it is a current secret key (am_sk_test_… for the sandbox) for ${baseUrl}.`;
  }
  return `Autumn answered ${status} ${code}: ${apiMessage}`;
}

function networkError(error: unknown, baseUrl: string, route: string, timeoutMs: number): TargetError {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') {
    return new TargetError(`Autumn did not answer ${route} within ${timeoutMs / 1000} s.`, { retryable: true, code: 'timeout' });
  }
  const cause = e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
  // An unknown host or a bad certificate will not fix itself in the next minute; a reset connection may.
  const lasting = e.cause?.code === 'ENOTFOUND' || /CERT|TLS|SSL/.test(e.cause?.code ?? '');
  return new TargetError(`Could not reach Autumn at ${baseUrl} (${route}): ${cause}.`, { retryable: !lasting, code: 'network' });
}

function httpCode(status: number): string {
  return status === 429 ? 'rate_limited' : status >= 500 ? 'server_error' : `http_${status}`;
}

/** Never let the key reach a message, even if an API echoes it. */
function scrub(text: string, secretKey: string): string {
  return secretKey.length >= 8 ? text.split(secretKey).join('[AUTUMN_SECRET_KEY]') : text;
}
