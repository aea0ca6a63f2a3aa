// The one HTTP layer of every remote target: headers, timeout, rate-limit slot, bounded reading, JSON
// parsing, the classification of failures and the scrubbing of the key. A target adds its routes and
// reads its own error bodies; the same failure is classified the same way whatever the billing system.
import type { TokenBucket } from '../util/token-bucket.js';
import { describeBody, isRetryableStatus, mebibytes, parseJson, parseRetryAfter, readAnswer } from './http.js';
import { TargetError, type TargetErrorOptions } from './target.js';

export interface TransportOptions {
  /** The billing system as messages name it: "Autumn". */
  system: string;
  baseUrl: string;
  secretKey: string;
  /** The environment variable holding the key; a key echoed by an API is shown as `[NAME]`. */
  keyVariable: string;
  /** Where the user sets the endpoint, for the message of an endpoint that cannot be reached. */
  endpointHint: string;
  /** Headers sent on every request besides authorization, accept and content-type. */
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Shared by every request of one target, so reads and writes spend one budget. */
  bucket?: TokenBucket;
  fetch?: typeof fetch;
}

export interface HttpCall {
  method: 'GET' | 'POST';
  /** Appended to the base URL. */
  path: string;
  /** How messages name the call: "/v1/customers.list", "GET /customers/c1". */
  route: string;
  body?: unknown;
  idempotencyKey?: string;
}

/** An answer that was read whole: a 2xx with a JSON body, or any other status with whatever body it had. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  statusText: string;
  text: string;
  /** The body as JSON; undefined when empty or not JSON (only possible when !ok). */
  json: unknown;
  /** How long the API asked to wait (Retry-After), when it said. */
  retryAfterMs?: number;
}

/** A key shorter than this is not scrubbed: it would mangle every message, and no real API key is that short. */
const MIN_SCRUBBED_KEY = 8;

/** `text` with every occurrence of the key replaced by `[keyVariable]`, so no message ever shows it. */
export function scrubKey(text: string, secretKey: string, keyVariable: string): string {
  return secretKey.length >= MIN_SCRUBBED_KEY ? text.split(secretKey).join(`[${keyVariable}]`) : text;
}

/** The classification of an HTTP error answer, the same on every target. */
export function statusFailure(status: number, code?: string, retryAfterMs?: number): TargetErrorOptions {
  return {
    status,
    ...(code === undefined ? {} : { code }),
    retryable: isRetryableStatus(status),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(status === 409 && code === 'duplicate_idempotency_key' ? { duplicate: true } : {}),
    // A refused key refuses every other request too.
    ...(status === 401 || status === 403 ? { fatal: true } : {}),
  };
}

// Failures that the next minute will not fix: a host that does not exist, a URL that is not one, a bad
// certificate. A refused or reset connection may be a server restarting, so it is tried again.
const LASTING_NETWORK_CODES = new Set(['ENOTFOUND', 'ERR_INVALID_URL', 'ERR_INVALID_ARG_VALUE']);
const isLasting = (code: string | undefined): boolean => code !== undefined && (LASTING_NETWORK_CODES.has(code) || /CERT|TLS|SSL/.test(code));

/** Sends calls to one API and classifies what goes wrong. */
export class Transport {
  private readonly fetch: typeof fetch;
  readonly baseUrl: string;

  constructor(private readonly options: TransportOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /**
   * One attempt of one call. Network failures, answers too large to read and 2xx answers that are not JSON
   * are thrown as TargetError; every other answer is returned for the target to read.
   */
  async send(call: HttpCall): Promise<HttpAnswer> {
    const { secretKey, timeoutMs, system } = this.options;
    const headers: Record<string, string> = { authorization: `Bearer ${secretKey}`, accept: 'application/json', ...this.options.headers };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;
    await this.options.bucket?.take();
    const url = this.baseUrl + call.path;
    let response: Response;
    let answer: Awaited<ReturnType<typeof readAnswer>>;
    try {
      response = await this.fetch(url, {
        method: call.method,
        headers,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      answer = await readAnswer(response);
    } catch (error) {
      throw this.networkFailure(call.route, url, error);
    }
    if (!answer.ok) {
      throw new TargetError(`${system}'s answer to ${call.route} is larger than ${mebibytes(answer.tooLarge)}; tollgate stopped reading it. ${this.checkEndpoint()}`, { status: response.status });
    }
    const json = parseJson(answer.text);
    // A 2xx page that is not JSON (a proxy's or a login page) will be the same page on the next try.
    if (response.ok && json === undefined) {
      throw new TargetError(`${system} answered ${call.route} with ${describeBody(answer.text, response.headers.get('content-type'))}. ${this.checkEndpoint()}`, { status: response.status });
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return { status: response.status, ok: response.ok, statusText: response.statusText, text: answer.text, json, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }

  /** Never let the key reach a message, even if an API echoes it. */
  scrub(text: string): string {
    return scrubKey(text, this.options.secretKey, this.options.keyVariable);
  }

  /** "Check that <url> is Autumn's API.": the end of every message about an answer no such API gives. */
  checkEndpoint(): string {
    return `Check that ${this.baseUrl} is ${this.options.system}'s API.`;
  }

  private networkFailure(route: string, url: string, error: unknown): TargetError {
    const { system, timeoutMs, endpointHint } = this.options;
    const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } } | undefined;
    if (e?.name === 'TimeoutError') {
      return new TargetError(`${system} did not answer ${route} within ${timeoutMs / 1000} s.`, { retryable: true, code: 'timeout' });
    }
    const code = e?.cause?.code ?? e?.code;
    if (isLasting(code)) {
      return new TargetError(`Cannot reach ${system} at ${url} (${code}). Check the endpoint (${endpointHint}).`, { code, fatal: true });
    }
    const detail = this.scrub(e?.cause?.message ?? e?.message ?? String(error));
    return new TargetError(`Could not reach ${system} at ${url}: ${detail}.`, { retryable: true, code: code ?? 'network' });
  }
}
