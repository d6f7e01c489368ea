/**
 * A response body read whole, up to a size: an answer from another service larger than that is not what was
 * asked for, and reading it all would let a broken service exhaust memory. A declared Content-Length over the
 * limit is refused before reading; a chunked body is counted as it arrives. The deadline is the fetch's own
 * signal, which also aborts a body that stalls.
 */
export async function readLimited(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
