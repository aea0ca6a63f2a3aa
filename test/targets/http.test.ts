// The shared HTTP helpers: an answer is read up to a bound, and a body that is not JSON is described briefly.
import { describe, expect, it } from 'vitest';
import { describeBody, readAnswer } from '../../src/targets/http.js';

/** A streamed body of `chunks` chunks of `size` bytes, counting how many were pulled. */
function streamed(chunks: number, size: number): { response: Response; pulled: () => number } {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) return controller.close();
      pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
  return { response: new Response(body), pulled: () => pulled };
}

describe('readAnswer', () => {
  it('reads a body within the bound whole, multi-byte characters across chunks included', async () => {
    const bytes = new TextEncoder().encode('{"name":"Grüße"}');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 12));
        controller.enqueue(bytes.slice(12));
        controller.close();
      },
    });
    expect(await readAnswer(new Response(body), 1024)).toEqual({ ok: true, text: '{"name":"Grüße"}' });
  });

  it('stops reading a streamed body past the bound, without downloading the rest', async () => {
    const { response, pulled } = streamed(1000, 1024);
    expect(await readAnswer(response, 10 * 1024)).toEqual({ ok: false, tooLarge: 10 * 1024 });
    expect(pulled()).toBeLessThan(20);
  });

  it('refuses a declared Content-Length past the bound before reading', async () => {
    const { response, pulled } = streamed(1000, 1024);
    const declared = new Response(response.body, { headers: { 'content-length': String(1000 * 1024) } });
    expect(await readAnswer(declared, 10 * 1024)).toEqual({ ok: false, tooLarge: 10 * 1024 });
    expect(pulled()).toBeLessThan(3);
  });
});

describe('describeBody', () => {
  it('names the content type and shows the start of the body on one line', () => {
    expect(describeBody('<html>\n  <body>Bad   gateway</body>\n</html>', 'text/html; charset=utf-8')).toBe('a text/html body that is not JSON: "<html> <body>Bad gateway</body> </html>"');
    expect(describeBody('x'.repeat(500), null)).toBe(`a body that is not JSON: "${'x'.repeat(120)}"…`);
    expect(describeBody('  ', 'application/json')).toBe('an empty application/json body');
  });
});
