import { describe, expect, it } from 'vitest';
import type { RefresherEvent } from '../../src/refresher/events.js';
import { ProtocolContext } from '../../src/refresher/protocol-context.js';
import type { ResolvedRefresherOptions } from '../../src/refresher/resolve-options.js';
import { TokenCache } from '../../src/refresher/token-cache.js';
import type { LabelRead, SecretStore } from '../../src/secret/secret-store.js';
import { envelopeCodec, type TokenCodec } from '../../src/token/codec.js';
import { InvalidSecretPayloadError } from '../../src/token/errors.js';
import { RefreshPolicy } from '../../src/token/policy.js';
import { ManualClock } from '../support/manual-clock.js';

const HOUR_MS = 3_600_000;

/** A store that answers each read of its label with the next of `reads`, and counts them. */
function storeOf(...reads: LabelRead[]): SecretStore & { reads: number } {
  const store = {
    reads: 0,
    async read(): Promise<LabelRead> {
      const read = reads[Math.min(store.reads, reads.length - 1)] ?? { found: false, missing: 'secret' };
      store.reads += 1;
      return read;
    },
  };
  return store as unknown as SecretStore & { reads: number };
}

function envelopeRead(clock: ManualClock, generation: number, versionId = `v${generation}`): LabelRead {
  const value = envelopeCodec.encode({ token: `token-${generation}`, expiresAt: clock.now() + HOUR_MS, generation, refreshedAt: clock.now() });
  return { found: true, versionId, value, createdAt: clock.now() - 5_000, stages: ['AWSCURRENT'] };
}

interface Setup {
  store?: SecretStore;
  primary?: SecretStore;
  codec?: TokenCodec;
  logger?: ResolvedRefresherOptions['logger'];
  replicationLagMs?: number;
  onEvent?: (event: RefresherEvent) => void;
}

function contextOf(setup: Setup = {}) {
  const clock = new ManualClock();
  const events: RefresherEvent[] = [];
  const policy = new RefreshPolicy();
  const cache = new TokenCache({ clock, policy, random: () => 0.5 });
  const store = setup.store ?? storeOf();
  const options = {
    secretId: 'ctx/secret',
    label: 'AWSCURRENT',
    codec: setup.codec ?? envelopeCodec,
    clock,
    policy,
    leaseMs: 10_000,
    replicationLagMs: setup.replicationLagMs,
    logger: setup.logger,
    onEvent: setup.onEvent ?? ((event: RefresherEvent) => events.push(event)),
  } as unknown as ResolvedRefresherOptions;
  const context = new ProtocolContext({
    options,
    store,
    primary: setup.primary ?? store,
    lock: {} as never,
    cache,
    closeSignal: new AbortController().signal,
  });
  return { clock, events, cache, context };
}

/** A replica and a primary holding the given generations, and a commit record that has seen `recordedGeneration`. */
function replicated(generations: { replicaGeneration: number; primaryGeneration: number; recordedGeneration: number }) {
  const clock = new ManualClock();
  const replica = storeOf(envelopeRead(clock, generations.replicaGeneration));
  const primary = storeOf(envelopeRead(clock, generations.primaryGeneration));
  const built = contextOf({ store: replica, primary });
  built.context.learnRecord({ generation: generations.recordedGeneration } as never);
  return { ...built, replica, primary };
}

describe('Class: ProtocolContext', () => {
  it('reads and decodes the label, and knows the token in the cache', async () => {
    const clock = new ManualClock();
    const { context, cache } = contextOf({ store: storeOf(envelopeRead(clock, 3)) });
    const read = await context.readCurrent();
    expect(read).toMatchObject({ found: true, known: { token: 'token-3', generation: 3, versionId: 'v3', expiresAt: clock.now() + HOUR_MS } });
    expect(cache.current).toBeUndefined();
  });

  it('passes a missing secret or label through as it is', async () => {
    const { context } = contextOf({ store: storeOf({ found: false, missing: 'label' }) });
    expect(await context.readCurrent()).toEqual({ found: false, missing: 'label' });
  });

  it('falls back to the creation date, then the clock, for refreshedAt, and to generation 0', async () => {
    const decode = (refreshedAt: number | undefined) => ({
      format: 'bare',
      encode: () => '',
      decode: () => ({ token: 'bare-token', expiresAt: Date.UTC(2030, 0, 1) + HOUR_MS, ...(refreshedAt === undefined ? {} : { refreshedAt }) }),
    });
    const withCreated: LabelRead = { found: true, versionId: 'v', value: 'x', createdAt: Date.UTC(2030, 0, 1) - 600_000, stages: [] };
    const created = contextOf({ store: storeOf(withCreated), codec: decode(undefined) });
    const fromCreated = await created.context.readCurrent();
    expect(fromCreated.found && fromCreated.known).toMatchObject({ generation: 0, lifetimeMs: HOUR_MS + 600_000 });
    const bare = contextOf({ store: storeOf({ ...withCreated, createdAt: undefined }), codec: decode(undefined) });
    const fromClock = await bare.context.readCurrent();
    expect(fromClock.found && fromClock.known.lifetimeMs).toBe(HOUR_MS);
  });

  it('withholds a decoder message that quotes the value, and keeps one that does not as the cause', async () => {
    const quoting: TokenCodec = {
      format: 'quoting',
      encode: () => '',
      decode: (value) => {
        throw new Error(`cannot parse ${value}`);
      },
    };
    const secretValue: LabelRead = { found: true, versionId: 'v', value: 'sekret-token', createdAt: undefined, stages: [] };
    const quoted = contextOf({ store: storeOf(secretValue), codec: quoting });
    const error = await quoted.context.readCurrent().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidSecretPayloadError);
    expect((error as Error).message).toContain('cannot parse [value withheld]');
    expect((error as Error).message).not.toContain('sekret-token');
    expect((error as Error).cause).toBeUndefined();
    expect((error as Error).message).toContain('(label AWSCURRENT)');
    expect((error as Error).message).toContain('Expected quoting.');

    const vague = new Error('wrong shape');
    const plain: TokenCodec = {
      ...quoting,
      decode: () => {
        throw vague;
      },
    };
    const kept = await contextOf({ store: storeOf(secretValue), codec: plain })
      .context.readCurrent()
      .catch((caught: unknown) => caught);
    expect((kept as Error).cause).toBe(vague);
  });

  it.each([
    ['no token', { expiresAt: Date.UTC(2030, 0, 2) }],
    ['an empty token', { token: '', expiresAt: Date.UTC(2030, 0, 2) }],
    ['an infinite expiry', { token: 't', expiresAt: Number.POSITIVE_INFINITY }],
    ['nothing at all', undefined],
  ])('refuses a codec result with %s', async (_what, decoded) => {
    const codec = { format: 'odd', encode: () => '', decode: () => decoded as never };
    const { context } = contextOf({ store: storeOf({ found: true, versionId: 'v', value: 'x', createdAt: undefined, stages: [] }), codec });
    await expect(context.readCurrent()).rejects.toThrow(/the codec returned no token or no finite expiresAt/);
  });

  it('reads the primary when the replica is behind the generation this process or the record knows', async () => {
    const { context, events, replica, primary } = replicated({ replicaGeneration: 2, primaryGeneration: 3, recordedGeneration: 3 });
    const read = await context.readCurrent();
    expect(read.found && read.known.generation).toBe(3);
    expect(events).toEqual([{ type: 'replica-behind', replicaGeneration: 2, recordedGeneration: 3 }]);
    expect([replica.reads, primary.reads]).toEqual([1, 1]);
  });

  it('serves the replica when it has the recorded generation, and reads only the primary when asked to', async () => {
    const { context, events, replica, primary } = replicated({ replicaGeneration: 3, primaryGeneration: 3, recordedGeneration: 3 });
    await context.readCurrent();
    expect([replica.reads, primary.reads, events.length]).toEqual([1, 0, 0]);
    await context.readCurrent(undefined, 'primary');
    expect([replica.reads, primary.reads]).toEqual([1, 1]);
  });

  it('reads the primary when the replica has no token at all', async () => {
    const clock = new ManualClock();
    const replica = storeOf({ found: false, missing: 'label' });
    const primary = storeOf(envelopeRead(clock, 1));
    const { context, events } = contextOf({ store: replica, primary });
    expect((await context.readCurrent()).found).toBe(true);
    expect(events).toEqual([{ type: 'replica-behind', replicaGeneration: undefined, recordedGeneration: 0 }]);
  });

  it('warns once about a version budget above 90 a day, through the event and the logger', () => {
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (message: string) => warnings.push(message), error: () => undefined };
    const { context, events } = contextOf({ logger });
    context.checkVersionBudget(HOUR_MS);
    expect(events).toEqual([]);
    context.checkVersionBudget(5 * 60_000);
    context.checkVersionBudget(60_000);
    expect(events).toEqual([
      { type: 'quota-warning', versionsPerDay: expect.closeTo(86_400_000 / 187_500, 3) as unknown, lifetimeMs: 300_000, limit: 90 },
    ]);
    expect(warnings).toEqual([expect.stringMatching(/^token-refresher: tokens living 300 s create about 461 secret versions a day \(above 90\)/)]);
  });

  it('warns once when the replication lag exceeds what a refresh leaves the replicas, and not without a lag', () => {
    const { context, events } = contextOf({ replicationLagMs: 111_000 });
    // An hour's token: window 5 min, so 150 000 - 30 000 (minimum validity) - 10 000 (lease) = 110 000 ms.
    context.checkReplicationLag(HOUR_MS);
    context.checkReplicationLag(HOUR_MS);
    expect(events).toEqual([{ type: 'replication-lag-warning', replicationLagMs: 111_000, marginMs: 110_000, lifetimeMs: HOUR_MS }]);
    const atMargin = contextOf({ replicationLagMs: 110_000 });
    atMargin.context.checkReplicationLag(HOUR_MS);
    const none = contextOf();
    none.context.checkReplicationLag(60_000);
    expect([atMargin.events, none.events]).toEqual([[], []]);
  });

  it('logs every event but served at debug, and ignores a listener that throws', () => {
    const debug: Array<[string, unknown]> = [];
    const logger = {
      debug: (message: string, fields: unknown) => debug.push([message, fields]),
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const { context } = contextOf({
      logger,
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    expect(() => context.emit({ type: 'census', census: {} as never })).not.toThrow();
    context.emit({ type: 'served', source: 'memory', generation: 1, versionId: 'v', remainingMs: 1, minValidityMs: 1, ageMs: 1 });
    expect(debug).toEqual([['token-refresher: census', { secretId: 'ctx/secret', type: 'census', census: {} }]]);
  });
});
