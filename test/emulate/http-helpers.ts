// Small fetch wrappers shared by the emulator tests; every call is real HTTP over loopback.

/** A JSON response as a client sees it. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Options for one request. */
export interface CallOptions {
  /** Bearer key; null sends no Authorization header. */
  key?: string | null;
  headers?: Record<string, string>;
  method?: string;
}

/** Sends a JSON request and parses the JSON response. */
export async function call(
  base: string,
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const key = options.key === undefined ? 'sk_test_key' : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
}

/** Reads a nested array field from a response body, for concise assertions. */
export function list(value: unknown, ...path: string[]): Array<Record<string, unknown>> {
  let current: unknown = value;
  for (const key of path) current = (current as Record<string, unknown> | undefined)?.[key];
  return (current ?? []) as Array<Record<string, unknown>>;
}
