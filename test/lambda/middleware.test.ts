import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvocationDeadlineError, LambdaTokenProvider, tokenMiddleware, type TokenContext } from '../../src/lambda/index.js';
import { clientsFor, countingIssuer, startRefresherStack, type Issuer, type RefresherStack } from '../refresher/harness.js';
import { OffsetClock } from '../support/offset-clock.js';

/**
 * A full Lambda context as the Node runtime builds it, with a deadline `remainingMs` from now. Typed
 * with the middleware's property because Middy types the invocation's context with what middlewares add.
 */
function lambdaContext<Key extends string = 'token'>(remainingMs: number): Context & TokenContext<Key> {
  const deadline = Date.now() + remainingMs;
  const context: Context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'middy-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:middy-test',
    memoryLimitInMB: '128',
    awsRequestId: `request-${remainingMs}`,
    logGroupName: '/aws/lambda/middy-test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  return context as Context & TokenContext<Key>;
}

describe('Function: tokenMiddleware', () => {
  let stack: RefresherStack;
  let issuer: Issuer;
  let tokens: LambdaTokenProvider;
  beforeAll(async () => {
    stack = await startRefresherStack();
    const clock = new OffsetClock();
    issuer = countingIssuer(clock, 3_600_000);
    const clients = clientsFor(stack);
    tokens = new LambdaTokenProvider({
      secretId: stack.secretName('middy'),
      lockTable: await stack.table(),
      refresh: issuer.refresh,
      secretsManager: clients.secretsManager,
      dynamodb: clients.dynamodb,
      clock,
    });
  });
  afterAll(async () => {
    await tokens.close();
    await stack.close();
  });

  it('puts the token on context.token before a real Middy handler runs, typed as a string', async () => {
    const handler = middy()
      .use(tokenMiddleware(tokens))
      .handler(async (_event: unknown, context) => {
        const token: string = context.token;
        return { authorization: `Bearer ${token}` };
      });
    const first = await handler({}, lambdaContext(10_000));
    const second = await handler({}, lambdaContext(10_000));
    expect(issuer.minted).toHaveLength(1);
    expect(first).toEqual({ authorization: `Bearer ${issuer.minted[0]}` });
    expect(second).toEqual(first);
  });

  it('uses contextKey as the property name', async () => {
    const handler = middy()
      .use(tokenMiddleware(tokens, { contextKey: 'apiToken' }))
      .handler(async (_event: unknown, context) => context.apiToken.length);
    await expect(handler({}, lambdaContext<'apiToken'>(10_000))).resolves.toBe(issuer.minted[0]?.length);
  });

  it('fails the invocation with the typed error, without running the handler, when too little time remains', async () => {
    let ran = false;
    const handler = middy()
      .use(tokenMiddleware(tokens))
      .handler(async () => {
        ran = true;
      });
    await expect(handler({}, lambdaContext(50))).rejects.toBeInstanceOf(InvocationDeadlineError);
    expect(ran).toBe(false);
  });

  it('refuses something that is not a provider, and an empty contextKey', () => {
    expect(() => tokenMiddleware({} as never)).toThrow(/needs a LambdaTokenProvider/);
    expect(() => tokenMiddleware(tokens, { contextKey: '' })).toThrow(/"contextKey" must be a non-empty string/);
  });
});
