// Loaded with `--import` into the web-only instance the web benchmark starts: counts the TCP connections
// its fetch (undici) opens and the requests it sends, by undici's own diagnostics channels, so the count is
// the client's and needs no change in Formgate. Plain JavaScript: it loads before tsx is registered.
// The counts go to the file named by BENCH_API_CONNECTIONS_FILE every 50 ms (a write per
// request would cost the process measured more than the count is worth).
import { subscribe } from 'node:diagnostics_channel';
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.BENCH_API_CONNECTIONS_FILE;
if (file) {
  const counts = { connections: 0, requests: 0, origins: {} };
  subscribe('undici:client:connected', ({ connectParams }) => {
    counts.connections++;
    const origin = `${connectParams.protocol}//${connectParams.hostname}:${connectParams.port}`;
    counts.origins[origin] = (counts.origins[origin] ?? 0) + 1;
  });
  subscribe('undici:request:create', () => counts.requests++);
  // Written aside and renamed over, so a reader never meets the file truncated half-way through a write.
  const write = () => {
    writeFileSync(`${file}.next`, JSON.stringify(counts));
    renameSync(`${file}.next`, file);
  };
  write();
  setInterval(write, 50).unref();
  process.once('exit', write);
}
