/**
 * The local client of `scripts/bench-agent-api.ts`, in its own process as an application would be:
 * sends `requests` GETs to the Agent API, `concurrency` at a time, over kept-alive connections or a
 * new connection per request (as curl and Python's urllib do), and prints one JSON line of results.
 *
 * Usage: node --import tsx scripts/bench-agent-api/client.ts <url> <ssrf token> <keep-alive|new-connection> <requests> <concurrency>
 */
import { Agent, request } from 'node:http';
import { summarize } from './summary.js';

const [url = '', ssrfToken = '', mode = 'keep-alive', requestsArg = '1000', concurrencyArg = '1'] = process.argv.slice(2);
const requests = Number(requestsArg);
const concurrency = Number(concurrencyArg);
const agent = new Agent({ keepAlive: mode === 'keep-alive', maxSockets: concurrency });

function get(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { agent, headers: { 'X-Aws-Parameters-Secrets-Token': ssrfToken } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    sent.on('error', reject);
    sent.end();
  });
}

const latencies: number[] = [];
let failures = 0;
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      next += 1;
      const start = performance.now();
      if ((await get()) !== 200) failures += 1;
      latencies.push(performance.now() - start);
    }
  }),
);
const elapsedMs = performance.now() - started;
agent.destroy();
process.stdout.write(`${JSON.stringify({ ...summarize(latencies, elapsedMs), failures })}\n`);
