import { systemClock, type Clock } from '../../util/clock.js';
import { TokenBucket } from '../../util/token-bucket.js';
import { TargetError } from '../target.js';
import { statusFailure, Transport, type HttpAnswer } from '../transport.js';
import { readCustomerAnswer, readCustomerListAnswer, readWriteAnswer, type CustomerRead, type CustomerSummaryRead } from './responses.js';
import {
  customerPath,
  OWOSTACK_ROUTES,
  type OwostackFailure,
  type OwostackSetFeatureConfigRequest,
  type OwostackSetOverageLimitRequest,
} from './routes.js';

/** The environment variable holding Owostack's secret key. */
export const OWOSTACK_KEY_VARIABLE = 'OWOSTACK_SECRET_KEY';

/** Where the user sets Owostack's endpoint. */
const ENDPOINT_HINT = '--endpoint, OWOSTACK_API_URL or "endpoint" in tollgate.yaml';

/** A request that has not answered by then is abandoned and counted as a retryable network failure. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The calls tollgate makes, named as in OWOSTACK_ROUTES. */
export type OwostackCall = 'customer' | 'listCustomers' | 'setFeatureConfig' | 'setOverageLimit';

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
  private readonly transport: Transport;

  constructor(options: OwostackClientOptions) {
    this.transport = new Transport({
      system: 'Owostack',
      baseUrl: options.baseUrl,
      secretKey: options.secretKey,
      keyVariable: OWOSTACK_KEY_VARIABLE,
      endpointHint: ENDPOINT_HINT,
      timeoutMs: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
      ...(options.rateLimit === undefined ? {} : { bucket: new TokenBucket(options.rateLimit, options.clock ?? systemClock) }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    this.baseUrl = this.transport.baseUrl;
  }

  /** Reads a customer's billing config; an unknown customer is a TargetError with status 404. */
  async customer(id: string): Promise<CustomerRead> {
    const path = customerPath(id);
    const answer = await this.call('customer', path);
    return readCustomerAnswer(answer, id, { route: `GET ${path}`, baseUrl: this.baseUrl });
  }

  /** One page of the customer list (without billing), and how many customers there are in all. */
  async listCustomers(limit: number, offset: number): Promise<{ customers: CustomerSummaryRead[]; total: number }> {
    const path = `${OWOSTACK_ROUTES.listCustomers.path}?limit=${limit}&offset=${offset}`;
    return readCustomerListAnswer(await this.call('listCustomers', path), { route: `GET ${path}`, baseUrl: this.baseUrl });
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

  /** One request; the parsed JSON of a 2xx answer that is not {success: false}, anything else thrown as a TargetError. */
  private async call(name: OwostackCall, path: string, body?: object, idempotencyKey?: string): Promise<unknown> {
    const { method } = OWOSTACK_ROUTES[name];
    const answer = await this.transport.send({
      method,
      path,
      route: `${method} ${path}`,
      ...(body === undefined ? {} : { body }),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    const refused = (answer.json as { success?: unknown } | undefined)?.success === false;
    if (answer.ok && !refused) return answer.json;
    throw this.apiError(name, answer);
  }

  private apiError(name: OwostackCall, answer: HttpAnswer): TargetError {
    const { status, json } = answer;
    const { code, message } = errorOf(json, answer.text, status);
    const said = this.transport.scrub(message);
    const where = `Owostack ${name} answered ${status}${code === undefined ? '' : ` ${code}`}`;
    const options = statusFailure(status, code, answer.retryAfterMs);
    if (options.fatal) {
      return new TargetError(`${where}: ${said}. Check ${OWOSTACK_KEY_VARIABLE}: it must be a secret key of the Owostack account at ${this.baseUrl}.`, options);
    }
    if (status === 404 && typeof (json as { success?: unknown } | undefined)?.success !== 'boolean') {
      // Not Owostack's envelope: the base URL is wrong, not the customer unknown.
      return new TargetError(`${where}: ${said}. That is not Owostack's answer: check the endpoint ${this.baseUrl} (${ENDPOINT_HINT}).`, { ...options, fatal: true });
    }
    return new TargetError(`${where}: ${said}`, options);
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
