import { describe, expect, it } from 'vitest';
import type { FleetMessage } from '../support/fleet.js';
import { holdNextMint } from '../support/token-issuer.js';
import { eventsOf, isEvent, refreshedGeneration, useFleet } from './fleet-harness.js';

describe('Class: TokenRefresher (a fleet of real processes, holders frozen or killed)', () => {
  const fleet = useFleet();

  it('a holder frozen (SIGSTOP) mid-refresh past its lease never moves AWSCURRENT back after a newer commit', async () => {
    const { secretId, history, issuer: idp } = await fleet.start(2, { callers: 4, lifetimeMs: 4_000, leaseMs: 1_000 });
    await fleet.reachGeneration(1);
    let answer: () => void = () => undefined;
    const held = new Promise<'answer'>((resolve) => {
      answer = () => resolve('answer');
    });

    const frozenId = await holdNextMint(idp, held); // the next refresher is inside its identity-provider call, holding the lease
    const frozen = fleet.members.find((member) => member.member === frozenId)!;
    const successor = fleet.members.find((member) => member.member !== frozenId)!;
    frozen.pause();
    const before = Math.max(...history);
    await refreshedGeneration(successor, before + 1); // it waited out the frozen lease, took over and refreshed
    answer(); // the frozen holder's identity provider answers while it sleeps…
    frozen.resume(); // …and it wakes up with a token older than the committed one
    const verdict = await frozen.when((message) => isEvent('lease-lost')(message) || isEvent('rollback-prevented')(message));
    await fleet.reachGeneration(before + 2);

    expect(verdict.type).toBe('event');
    expect(eventsOf([successor], 'took-over')).toHaveLength(1);
    expect(eventsOf([frozen], 'refreshed').some((event) => event.generation === before + 1)).toBe(false);
    expect(history).toEqual([...history].sort((a, b) => a - b)); // AWSCURRENT only ever moved forward
    expect(new Set(history).size).toBe(history.length);
    const summaries = await Promise.all(fleet.members.map((member) => member.stop()));
    for (const summary of summaries) expect(summary.belowMinimum).toBe(0);
    expect(fleet.stack.current(secretId)?.generation).toBe(Math.max(...history));
  });

  it('a holder killed (SIGKILL) mid-refresh delays the fleet by about one lease: the survivor takes over and refreshes', async () => {
    const leaseMs = 1_000;
    const { secretId, history, issuer: idp } = await fleet.start(2, { callers: 4, lifetimeMs: 4_000, leaseMs });
    await fleet.reachGeneration(1);
    const victimId = await holdNextMint(idp, new Promise<'abandon'>(() => undefined)); // its identity-provider call never answers
    const victim = fleet.members.find((member) => member.member === victimId)!;
    const survivor = fleet.members.find((member) => member.member !== victimId)!;
    const before = Math.max(...history);
    await victim.kill();
    const killedAt = Date.now();
    const refreshed = (await refreshedGeneration(survivor, before + 1)) as Extract<FleetMessage, { type: 'event' }>;
    const tookOver = (await survivor.when(isEvent('took-over'))) as Extract<FleetMessage, { type: 'event' }>;
    // The fleet is delayed from when the survivor first wanted the lease after the kill (its own refresh
    // point may come later than the victim's) until it took the lease over.
    const wantedAt = survivor.messages
      .flatMap((message) => {
        if (message.type !== 'event') return [];
        if (message.event.type === 'lease-busy') return [message.at];
        if (message.event.type === 'waited') return [message.at - message.event.durationMs]; // reported when the wait ends
        return [];
      })
      .filter((at) => at >= killedAt)
      .sort((a, b) => a - b)[0];
    const delayMs = tookOver.at - (wantedAt ?? killedAt);

    expect(eventsOf([survivor], 'took-over')).toEqual([expect.objectContaining({ previousHolder: expect.any(String) as unknown })]);
    const summary = await survivor.stop();
    expect(summary.belowMinimum).toBe(0);
    expect(fleet.stack.versions(secretId)).toHaveLength(Math.max(...history));
    console.info(
      `SIGKILL of the holder: the survivor took over ${delayMs} ms after it first found the lease busy ` +
        `(lease ${leaseMs} ms, poll ${leaseMs / 10} ms) and committed ${refreshed.at - killedAt} ms after the kill`,
    );
  });
});
