// The HTTP side of the Autumn target: Autumn's RPC routes (SPEC §5), its headers, and its errors
// sorted into what is worth retrying. One request per send(); reads are retried here, writes by the executor.
import type {
  GetCustomerParams$Outbound,
  ListCustomersParams$Outbound,
  ListEntitiesParams$Outbound,
  ListFeaturesRequest$Outbound,
  ListPlansParams$Outbound,
  UpdateCustomerParams$Outbound,
  UpdateEntityParams$Outbound,
  UpdatePlanParams$Outbound,
} from 'autumn-js';
import { retrying, type RetryPolicy } from '../backoff.js';
import type { Clock, Random } from '../../util/clock.js';
import type { TokenBucket } from '../../util/token-bucket.js';
import { TargetError } from '../target.js';
import { statusFailure, Transport } from '../transport.js';

export const AUTUMN_API_URL = 'https://api.useautumn.com';
/** The environment variable holding Autumn's secret key. */
export const AUTUMN_KEY_VARIABLE = 'AUTUMN_SECRET_KEY';
/** The API version whose read shapes tollgate understands (2.3.0 marks plan-inherited entries). */
export const AUTUMN_API_VERSION = '2.3.0';

/** Request bodies per route, in the SDK's wire types; plans.update sends only what tollgate sets. */
export interface AutumnRoutes {
  '/v1/customers.get': GetCustomerParams$Outbound;
  '/v1/customers.list': ListCustomersParams$Outbound;
  '/v1/customers.update': Pick<UpdateCustomerParams$Outbound, 'customer_id' | 'billing_controls' | 'metadata'>;
  '/v1/entities.list': ListEntitiesParams$Outbound;
  '/v1/entities.update': UpdateEntityParams$Outbound;
  '/v1/features.list': ListFeaturesRequest$Outbound;
  '/v1/plans.list': ListPlansParams$Outbound;
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
    super(message, statusFailure(status, code, retryAfterMs));
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

/** Speaks Autumn's API over the shared transport. */
export class AutumnClient {
  private readonly transport: Transport;

  constructor(private readonly options: AutumnClientOptions) {
    this.transport = new Transport({
      system: 'Autumn',
      baseUrl: options.baseUrl,
      secretKey: options.secretKey,
      keyVariable: AUTUMN_KEY_VARIABLE,
      endpointHint: '--endpoint, AUTUMN_API_URL or "endpoint" in tollgate.yaml',
      headers: { 'x-api-version': AUTUMN_API_VERSION },
      timeoutMs: options.timeoutMs,
      ...(options.bucket === undefined ? {} : { bucket: options.bucket }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  /** One attempt of one request; answers other than 2xx are thrown as AutumnApiError, other failures as the transport classifies them. */
  async send<R extends AutumnRoute>(route: R, body: AutumnRoutes[R], idempotencyKey?: string): Promise<unknown> {
    const answer = await this.transport.send({ method: 'POST', path: route, route, body, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
    if (answer.ok) return answer.json;
    const error = (answer.json ?? {}) as { message?: unknown; code?: unknown };
    const code = typeof error.code === 'string' ? error.code : httpCode(answer.status);
    const apiMessage = this.transport.scrub(typeof error.message === 'string' ? error.message : answer.text.replace(/\s+/g, ' ').trim().slice(0, 200) || answer.statusText);
    throw new AutumnApiError(messageFor(answer.status, code, apiMessage, this.transport.baseUrl), answer.status, code, apiMessage, answer.retryAfterMs);
  }

  /** A read, tried again on 429, 5xx, timeouts and dropped connections. */
  read<R extends AutumnRoute>(route: R, body: AutumnRoutes[R]): Promise<unknown> {
    const { retry, clock, random } = this.options;
    return retrying(() => this.send(route, body), { policy: retry, clock, random });
  }
}

function messageFor(status: number, code: string, apiMessage: string, baseUrl: string): string {
  if (status === 401 || status === 403) {
    return `Autumn refused the secret key in ${AUTUMN_KEY_VARIABLE} (${status} ${code}: ${apiMessage}). Check that it is a current secret key (am_sk_test_… for the sandbox) for ${baseUrl}.`;
  }
  return `Autumn answered ${status} ${code}: ${apiMessage}`;
}

function httpCode(status: number): string {
  return status === 429 ? 'rate_limited' : status >= 500 ? 'server_error' : `http_${status}`;
}
