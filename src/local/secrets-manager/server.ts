import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerServiceError } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { SecretsManagerModel } from './model.js';
import { type RegionalModels, regionOfAuthorization } from './regions.js';
import type { ReplicationHub } from './replication.js';
import type { EmulatorStats } from './stats.js';
import type { Throttle } from './throttle.js';
import { dispatch, failure, operationOf, type WireResponse } from './wire.js';
import { awsErrors } from './errors.js';

/** What the HTTP layer needs: the model and the extras that sit in front of it. */
export interface HttpServerParts {
  /** The default Region's model: the one the clock routes and a request without a credential scope use. */
  readonly model: SecretsManagerModel;
  /** Every Region's model; a request is served by the Region of its SigV4 credential scope. */
  readonly regions?: RegionalModels;
  /** Copies primary writes to replicas; pumped before each request so due copies are visible. */
  readonly replication?: ReplicationHub;
  readonly throttle: Throttle;
  readonly faults: FaultInjector;
  readonly stats: EmulatorStats;
  /** Resolves once every change made so far is durable; the response waits for it. */
  readonly durable: () => Promise<void>;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
}

const EMULATOR_PREFIX = '/_emulator/';

/**
 * The thin HTTP layer: bounded bodies, a body timeout, the throttle, injected faults, stats, the
 * `/_emulator/*` control routes, and durability before any response.
 */
export function createEmulatorHttpServer(parts: HttpServerParts): Server {
  const server = createServer(
    {
      // Our own body timer closes stalled bodies; Node's checks guard the header phase.
      requestTimeout: 0,
      headersTimeout: parts.bodyTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, parts.bodyTimeoutMs),
    },
    (request, response) => {
      handle(parts, request, response).catch((error: unknown) => {
        if (!response.headersSent) send(response, failure(error));
        else response.destroy();
      });
    },
  );
  // Idle keep-alive connections stay open for a minute: with Node's 5-second
  // default, a client reusing a socket just as the server closes it sees a spurious ECONNRESET.
  server.keepAliveTimeout = 60_000;
  return server;
}

/** Binds `server` to `host:port` and returns the `http://host:port` endpoint. */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

async function handle(parts: HttpServerParts, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(parts, request, response);
  if (body === undefined) return;
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (path.startsWith(EMULATOR_PREFIX)) {
    await handleControl(parts, request.method ?? 'GET', path.slice(EMULATOR_PREFIX.length), body, response);
    return;
  }
  const targetHeader = request.headers['x-amz-target'];
  const target = Array.isArray(targetHeader) ? targetHeader[0] : targetHeader;
  const operation = operationOf(target);
  parts.stats.received(operation ?? 'Unknown');
  if (request.method !== 'POST' || operation === undefined) {
    const answer = dispatch(parts.model, request.method === 'POST' ? target : undefined, body);
    parts.stats.failed(operation ?? 'Unknown', answer.headers['x-amzn-errortype'] ?? 'Unknown');
    send(response, answer);
    return;
  }
  if (!parts.throttle.admit(operation)) {
    parts.stats.throttled(operation);
    parts.stats.failed(operation, 'ThrottlingException');
    send(response, failure(awsErrors.throttled()));
    return;
  }
  const fault = parts.faults.decide(operation);
  if (fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault.error) {
    parts.stats.failed(operation, fault.error.type);
    send(response, failure(fault.error));
    return;
  }
  parts.replication?.pump();
  const authorization = request.headers.authorization;
  const region = regionOfAuthorization(Array.isArray(authorization) ? authorization[0] : authorization);
  const model = region === undefined || !parts.regions ? parts.model : parts.regions.model(region);
  const answer = dispatch(model, target, body);
  try {
    await parts.durable();
  } catch (error) {
    parts.stats.failed(operation, 'InternalServiceError');
    send(
      response,
      failure(
        new SecretsManagerServiceError('InternalServiceError', 'The emulator could not store the change durably.', { statusCode: 500, cause: error }),
      ),
    );
    return;
  }
  if (answer.statusCode !== 200) parts.stats.failed(operation, answer.headers['x-amzn-errortype'] ?? 'Unknown');
  if (fault.dropResponse) {
    parts.stats.dropped(operation);
    request.socket.resetAndDestroy();
    return;
  }
  send(response, answer);
}

/**
 * Reads the body, or answers and returns `undefined`: 413 beyond `maxBodyBytes`, 408 when the
 * body does not finish within `bodyTimeoutMs`. Either way the connection is closed, since the rest
 * of that request will never be read.
 */
function readBody(parts: HttpServerParts, request: IncomingMessage, response: ServerResponse): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const stopReading = (): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onAborted);
    };
    const refuse = (statusCode: number, type: string, message: string): void => {
      stopReading();
      request.pause();
      response.shouldKeepAlive = false;
      send(response, failure(new SecretsManagerServiceError(type, message, { statusCode })));
      response.once('finish', () => request.socket.destroy());
      resolve(undefined);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > parts.maxBodyBytes) {
        refuse(413, 'RequestEntityTooLargeException', `The request body exceeds the emulator's limit of ${parts.maxBodyBytes} bytes.`);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stopReading();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onAborted = (): void => {
      stopReading();
      resolve(undefined);
    };
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > parts.maxBodyBytes) {
      refuse(413, 'RequestEntityTooLargeException', `The request body is ${declared} bytes; the emulator accepts at most ${parts.maxBodyBytes}.`);
      return;
    }
    timer = setTimeout(() => {
      refuse(408, 'RequestTimeoutException', `The request body did not arrive within ${parts.bodyTimeoutMs} ms.`);
    }, parts.bodyTimeoutMs);
    timer.unref();
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('close', onAborted);
  });
}

async function handleControl(parts: HttpServerParts, method: string, route: string, body: string, response: ServerResponse): Promise<void> {
  const reply = (statusCode: number, payload: unknown): void => {
    send(response, { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  };
  const refuse = (statusCode: number, message: string): void => reply(statusCode, { __type: 'InvalidEmulatorRequest', Message: message });
  let input: unknown = {};
  if (body.trim() !== '') {
    try {
      input = JSON.parse(body);
    } catch {
      refuse(400, 'The body must be JSON.');
      return;
    }
  }
  const clockState = (): unknown => ({ nowMs: parts.model.clock.now(), offsetMs: parts.model.clock.offsetMs });
  switch (`${method} ${route}`) {
    case 'GET clock':
      reply(200, clockState());
      return;
    case 'POST clock': {
      const advanceMs = (input as { advanceMs?: unknown }).advanceMs;
      if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0) {
        refuse(400, `"advanceMs" must be a number of milliseconds ≥ 0 (the clock only moves forward); got ${JSON.stringify(advanceMs)}.`);
        return;
      }
      parts.model.advanceClock(advanceMs);
      parts.replication?.pump(); // copies that became due with the new time arrive now
      await parts.durable();
      reply(200, clockState());
      return;
    }
    case 'GET stats':
      reply(200, parts.stats.snapshot());
      return;
    case 'POST stats/reset':
    case 'DELETE stats':
      parts.stats.reset();
      reply(200, parts.stats.snapshot());
      return;
    case 'GET faults':
      reply(200, parts.faults.current());
      return;
    case 'POST faults':
      try {
        parts.faults.configure(input);
      } catch (error) {
        refuse(400, (error as Error).message);
        return;
      }
      reply(200, parts.faults.current());
      return;
    case 'DELETE faults':
      parts.faults.clear();
      reply(200, parts.faults.current());
      return;
    case 'GET replication':
      reply(200, parts.replication?.current() ?? {});
      return;
    case 'POST replication':
      try {
        requireReplication(parts).configure(input);
      } catch (error) {
        refuse(400, (error as Error).message);
        return;
      }
      await parts.durable();
      reply(200, requireReplication(parts).current());
      return;
    case 'DELETE replication':
      requireReplication(parts).configure({ lagMs: 0, paused: false });
      await parts.durable();
      reply(200, requireReplication(parts).current());
      return;
    case 'GET throttle':
      reply(200, { ratesPerSecond: parts.throttle.ratesPerSecond });
      return;
    case 'POST reset':
      parts.replication?.reset();
      if (parts.regions) parts.regions.reset();
      else parts.model.reset();
      await parts.durable();
      parts.stats.reset();
      parts.faults.clear();
      parts.throttle.reset();
      reply(200, { reset: true });
      return;
    default:
      refuse(
        404,
        `No emulator route ${method} /_emulator/${route}. Routes: GET|POST clock, GET stats, POST stats/reset, GET|POST|DELETE faults, GET|POST|DELETE replication, GET throttle, POST reset.`,
      );
  }
}

function requireReplication(parts: HttpServerParts): ReplicationHub {
  if (!parts.replication) throw new TypeError('This server has no replication hub.');
  return parts.replication;
}

function send(response: ServerResponse, answer: WireResponse): void {
  response.writeHead(answer.statusCode, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  response.end(answer.body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
