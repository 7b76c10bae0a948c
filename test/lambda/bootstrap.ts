/**
 * A stand-in for the Node.js Lambda runtime, run as the process of one execution environment by
 * `runtime-api.ts`: imports the handler module once, then serves invocations from the Runtime API
 * (`AWS_LAMBDA_RUNTIME_API`), `AWS_LAMBDA_MAX_CONCURRENCY` at a time, each with a fresh context.
 *
 * Usage: node --import tsx test/lambda/bootstrap.ts <handler module> <export name>
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const [modulePath = '', exportName = 'handler'] = process.argv.slice(2);
const runtime = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;

async function post(path: string, body: unknown): Promise<void> {
  await fetch(`${runtime}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

let handler: Handler;
try {
  const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  if (typeof loaded[exportName] !== 'function') throw new Error(`${modulePath} exports no function "${exportName}".`);
  handler = loaded[exportName] as Handler;
} catch (error) {
  await post('/init/error', { errorType: (error as Error).name, errorMessage: (error as Error).message });
  process.exit(1);
}

async function serve(): Promise<never> {
  for (;;) {
    const next = await fetch(`${runtime}/invocation/next`);
    const requestId = next.headers.get('lambda-runtime-aws-request-id') ?? '';
    const deadline = Number(next.headers.get('lambda-runtime-deadline-ms'));
    const event = (await next.json()) as unknown;
    const context = {
      awsRequestId: requestId,
      invokedFunctionArn: next.headers.get('lambda-runtime-invoked-function-arn') ?? '',
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? '',
      functionVersion: '$LATEST',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/example',
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      const result = await handler(event, context);
      await post(`/invocation/${requestId}/response`, result ?? null);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      await post(`/invocation/${requestId}/error`, { errorType: failure.name, errorMessage: failure.message });
    }
  }
}

await Promise.all(Array.from({ length: Math.max(1, Number(process.env.AWS_LAMBDA_MAX_CONCURRENCY ?? 1)) }, serve));
