/** Raw SSE reading, to check the wire format that SDKs would hide. */
export interface RawSse {
  status: number;
  headers: Headers;
  /** The text of every event, in order (`[DONE]` included). */
  events: string[];
  raw: string;
}

export async function postRaw(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawSse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const raw = await res.text();
  const events = raw
    .split('\n\n')
    .filter((e) => e.length)
    .map((e) => e.replace(/^data: /, ''));
  return { status: res.status, headers: res.headers, events, raw };
}
