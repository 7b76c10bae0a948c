import { describe, expect, it } from 'vitest';
import { takeoverAfterStrike, type FaultTargets } from '../../../scripts/loadtest/faults.js';
import { FleetAggregate } from '../../../scripts/loadtest/fleet-aggregate.js';
import { resolveLoadTestOptions } from '../../../scripts/loadtest/options.js';
import type { MintRecord, TokenIssuer } from '../../../scripts/loadtest/token-issuer.js';

function targetsWith(mints: MintRecord[], activities: FleetAggregate['activities']): FaultTargets {
  const aggregate = new FleetAggregate();
  aggregate.activities.push(...activities);
  return {
    options: resolveLoadTestOptions({ idp: 'rotating' }),
    issuer: { mints } as unknown as TokenIssuer,
    emulator: undefined,
    workers: new Map(),
    aggregate,
    startAt: () => 0,
    pollMs: 250,
  };
}

const mint = (seq: number, worker: number, receivedAt: number): MintRecord => ({ seq, worker, receivedAt, outcome: 'minted' });

describe('Function: takeoverAfterStrike', () => {
  it('measures from the first process that found the dead holder’s lease held to the provider’s next call from another process', () => {
    const targets = targetsWith(
      // The victim's own call (1) and a later one of another process (3), as the provider recorded them.
      [mint(1, 2, 10_000), mint(2, 2, 10_500), mint(3, 5, 12_400)],
      [
        { kind: 'event', type: 'lease-busy', at: 10_300, worker: 2 }, // the victim itself: not contention
        { kind: 'waited', at: 12_350, durationMs: 2_000, worker: 4 }, // started waiting at 10_350
        { kind: 'event', type: 'lease-busy', at: 10_600, worker: 6 },
      ],
    );
    expect(takeoverAfterStrike(targets, { worker: 2, at: 10_020 }, undefined)).toEqual({ firstContentionMs: 330, takeoverAfterContentionMs: 2_050 });
  });

  it('does not take contention on a later, healthy holder for a takeover: the kill came after the commit and nobody waited', () => {
    const targets = targetsWith(
      // Another process refreshes normally at 15 s; one finds its lease held meanwhile; the next refresh is at 20.5 s.
      [mint(1, 2, 10_000), mint(2, 4, 15_000), mint(3, 6, 20_500)],
      [{ kind: 'event', type: 'lease-busy', at: 15_010, worker: 5 }],
    );
    expect(takeoverAfterStrike(targets, { worker: 2, at: 10_020 }, undefined)).toEqual({});
  });

  it('leaves a strike without contention before the next strike unmeasured, rather than measuring the next one’s takeover', () => {
    const targets = targetsWith(
      [mint(1, 2, 10_000), mint(2, 3, 20_000), mint(3, 5, 27_000)],
      [{ kind: 'event', type: 'lease-busy', at: 21_000, worker: 4 }], // found the second victim's lease held
    );
    expect(takeoverAfterStrike(targets, { worker: 2, at: 10_020 }, 20_010)).toEqual({});
    expect(takeoverAfterStrike(targets, { worker: 3, at: 20_010 }, undefined)).toEqual({ firstContentionMs: 990, takeoverAfterContentionMs: 6_000 });
  });
});
