import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTokenIssuer, type TokenIssuer } from '../../scripts/loadtest/token-issuer.js';
import { spawnFleetMember, stackEnvironment, type FleetMember, type FleetMessage, type FleetSummary } from '../support/fleet.js';
import { startRefresherStack, type RefresherStack } from './harness.js';

type EventOf<T extends string> = Extract<Extract<FleetMessage, { type: 'event' }>['event'], { type: T }>;

function eventsOf<T extends string>(members: readonly FleetMember[], type: T): Array<EventOf<T> & { member: number }> {
  return members.flatMap((member) =>
    member.messages
      .filter((message): message is Extract<FleetMessage, { type: 'event' }> => message.type === 'event' && message.event.type === type)
      .map((message) => ({ ...(message.event as EventOf<T>), member: member.member })),
  );
}

const isEvent =
  (type: string) =>
  (message: FleetMessage): boolean =>
    message.type === 'event' && message.event.type === type;

const refreshedGeneration = (member: FleetMember, generation: number): Promise<FleetMessage> =>
  member.when((message) => message.type === 'event' && message.event.type === 'refreshed' && message.event.generation === generation);

const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index + 1);

describe('Class: TokenRefresher (a fleet of real processes)', () => {
  let stack: RefresherStack;
  let issuer: TokenIssuer | undefined;
  let members: FleetMember[] = [];
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterEach(async () => {
    await Promise.all(members.map((member) => member.kill()));
    members = [];
    await issuer?.close();
    issuer = undefined;
  });
  afterAll(() => stack.close());

  async function fleet(count: number, options: { callers: number; lifetimeMs: number; leaseMs: number }) {
    issuer = await startTokenIssuer({ lifetimeMs: options.lifetimeMs });
    const secretId = stack.secretName('fleet');
    const lockTable = await stack.table();
    const history = stack.watchCurrent(secretId);
    const env = stackEnvironment({ dynamodb: stack.dynamodb.endpoint, secretsManager: stack.emulator.endpoint });
    const issuerUrl = issuer.url;
    members = await Promise.all(
      range(count).map((member) => spawnFleetMember({ member, secretId, lockTable, issuerUrl, callers: options.callers, leaseMs: options.leaseMs }, env)),
    );
    return { secretId, lockTable, history, issuer };
  }

  const reachGeneration = (generation: number, among: readonly FleetMember[] = members): Promise<unknown> =>
    Promise.all(among.map((member) => member.when((message) => message.type === 'generation' && message.generation >= generation)));

  it('makes one identity-provider call and one version per generation, serves nothing below the minimum validity, and never makes a token holder wait', async () => {
    const { secretId, history, issuer: idp } = await fleet(3, { callers: 8, lifetimeMs: 6_000, leaseMs: 2_000 });

    await reachGeneration(4);
    const summaries: FleetSummary[] = await Promise.all(members.map((member) => member.stop()));

    const refreshed = eventsOf(members, 'refreshed').map((event) => event.generation).sort((a, b) => a - b);
    const generations = refreshed.at(-1) ?? 0;
    expect(generations).toBeGreaterThanOrEqual(4);
    expect(refreshed).toEqual(range(generations)); // each generation refreshed once, by one process
    expect(eventsOf(members, 'refresh-started')).toHaveLength(generations);
    expect(idp.mints).toHaveLength(generations);
    expect(idp.mints.every((mint) => mint.outcome === 'minted')).toBe(true);
    expect(stack.versions(secretId)).toHaveLength(generations);
    expect(history).toEqual(range(generations));
    for (const summary of summaries) {
      expect(summary).toMatchObject({ belowMinimum: 0, waitsWithToken: 0, errors: {} });
      expect(summary.minMarginMs).toBeGreaterThanOrEqual(0);
      expect(summary.calls).toBeGreaterThan(0);
    }
    console.info(
      `fleet: ${members.length} processes x 8 callers, ${generations} generations, ${idp.mints.length} refresh calls, ` +
        `${stack.versions(secretId).length} versions, ${summaries.reduce((sum, s) => sum + s.calls, 0)} getToken calls, ` +
        `min remaining ${Math.min(...summaries.map((s) => s.minRemainingMs))} ms (min margin over the minimum validity ${Math.min(...summaries.map((s) => s.minMarginMs))} ms)`,
    );
  });

  it('a holder frozen (SIGSTOP) mid-refresh past its lease never moves AWSCURRENT back after a newer commit', async () => {
    const { secretId, history, issuer: idp } = await fleet(2, { callers: 4, lifetimeMs: 4_000, leaseMs: 600 });
    await reachGeneration(1);
    let answer: () => void = () => undefined;
    const held = new Promise<'answer'>((resolve) => {
      answer = () => resolve('answer');
    });
    let trapped: (worker: number) => void = () => undefined;
    const caught = new Promise<number>((resolve) => {
      trapped = resolve;
    });
    let armed = true;
    idp.configure({
      intercept: (record) => {
        if (!armed) return undefined;
        armed = false;
        trapped(record.worker);
        return held;
      },
    });

    const frozenId = await caught; // the next refresher is inside its identity-provider call, holding the lease
    const frozen = members.find((member) => member.member === frozenId)!;
    const successor = members.find((member) => member.member !== frozenId)!;
    frozen.pause();
    const before = Math.max(...history);
    await refreshedGeneration(successor, before + 1); // it waited out the frozen lease, took over and refreshed
    answer(); // the frozen holder's identity provider answers while it sleeps…
    frozen.resume(); // …and it wakes up with a token older than the committed one
    const verdict = await frozen.when((message) => isEvent('lease-lost')(message) || isEvent('rollback-prevented')(message));
    await reachGeneration(before + 2);

    expect(verdict.type).toBe('event');
    expect(eventsOf([successor], 'took-over')).toHaveLength(1);
    expect(eventsOf([frozen], 'refreshed').some((event) => event.generation === before + 1)).toBe(false);
    expect(history).toEqual([...history].sort((a, b) => a - b)); // AWSCURRENT only ever moved forward
    expect(new Set(history).size).toBe(history.length);
    const summaries = await Promise.all(members.map((member) => member.stop()));
    for (const summary of summaries) expect(summary.belowMinimum).toBe(0);
    expect(stack.current(secretId)?.generation).toBe(Math.max(...history));
  });

  it('a holder killed (SIGKILL) mid-refresh delays the fleet by about one lease: the survivor takes over and refreshes', async () => {
    const leaseMs = 600;
    const { secretId, history, issuer: idp } = await fleet(2, { callers: 4, lifetimeMs: 4_000, leaseMs });
    await reachGeneration(1);
    let trapped: (worker: number) => void = () => undefined;
    const caught = new Promise<number>((resolve) => {
      trapped = resolve;
    });
    let armed = true;
    idp.configure({
      intercept: (record) => {
        if (!armed) return undefined;
        armed = false;
        trapped(record.worker);
        return new Promise<'abandon'>(() => undefined);
      },
    });

    const victimId = await caught;
    const victim = members.find((member) => member.member === victimId)!;
    const survivor = members.find((member) => member.member !== victimId)!;
    const before = Math.max(...history);
    await victim.kill();
    const killedAt = Date.now();
    const refreshed = (await refreshedGeneration(survivor, before + 1)) as Extract<FleetMessage, { type: 'event' }>;
    const tookOver = (await survivor.when(isEvent('took-over'))) as Extract<FleetMessage, { type: 'event' }>;
    // The fleet is delayed from when the survivor first wanted the lease after the kill (its own refresh
    // point may come later than the victim's) until it took the lease over.
    const wanted = survivor.messages.find(
      (message): message is Extract<FleetMessage, { type: 'event' }> =>
        message.type === 'event' && message.at >= killedAt && (message.event.type === 'lease-busy' || message.event.type === 'waited'),
    );
    const delayMs = tookOver.at - Math.max(killedAt, wanted?.at ?? killedAt);

    expect(eventsOf([survivor], 'took-over')).toEqual([expect.objectContaining({ previousHolder: expect.any(String) as unknown })]);
    const summary = await survivor.stop();
    expect(summary.belowMinimum).toBe(0);
    expect(stack.versions(secretId)).toHaveLength(Math.max(...history));
    console.info(
      `SIGKILL of the holder: the survivor took over ${delayMs} ms after it first found the lease busy ` +
        `(lease ${leaseMs} ms, poll ${leaseMs / 10} ms) and committed ${refreshed.at - killedAt} ms after the kill`,
    );
  });
});
