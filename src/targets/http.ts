// HTTP details every API target reads the same way, whatever the billing system.

/** A response body as JSON; undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds or as an HTTP date, as milliseconds to wait; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowEpochMs = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowEpochMs);
}

/** Answers worth another attempt: a request timeout, a rate limit, a server error. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The most of one answer tollgate reads; a bigger answer is not one of the APIs it speaks to. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** An answer's body as text, or why it was not read: bigger than `limit` bytes (the rest is never downloaded). */
export type AnswerBody = { ok: true; text: string } | { ok: false; tooLarge: number };

/** Reads a response body up to `limit` bytes; network failures while reading are thrown as fetch throws them. */
export async function readAnswer(response: Response, limit = MAX_ANSWER_BYTES): Promise<AnswerBody> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: false, tooLarge: limit };
  }
  if (response.body === null) return { ok: true, text: '' };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > limit) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, tooLarge: limit };
    }
    text += decoder.decode(value, { stream: true });
  }
  return { ok: true, text: text + decoder.decode() };
}

/** A few words on a body that is not the JSON an API should answer: its content type and its start, on one line. */
export function describeBody(text: string, contentType: string | null): string {
  const start = text.replace(/\s+/g, ' ').trim().slice(0, 120);
  const type = contentType === null || contentType === '' ? '' : `${contentType.split(';')[0]!.trim()} `;
  if (start === '') return `an empty ${type}body`;
  return `a ${type}body that is not JSON: ${JSON.stringify(start)}${text.length > 120 ? '…' : ''}`;
}

/** "32 MiB" for a byte count. */
export function mebibytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}
