import { describe, expect, it } from 'vitest';
import { seedState } from '../../src/refresher/index.js';
import { spawnFleetMember, stackEnvironment, type FleetMessage, type KillPoint } from '../support/fleet.js';
import { startTestTokenIssuer } from '../support/token-issuer.js';
import { eventsOf, useFleet } from './fleet-harness.js';
import { clientsFor } from './harness.js';

/** What the fleet did after its first holder was SIGKILLed at `killAt` (DESIGN.md §9's table). */
interface CrashOutcome {
  outcome: 'recovered' | 'state-lost';
  /** Whether the survivor's refresh was told the stored state may be used up. */
  recovering: boolean | undefined;
  revoked: boolean;
  /** Calls to the identity provider, the victim's included. */
  providerCalls: number;
}

describe('Class: TokenRefresher (refresh state: a holder SIGKILLed at each point of the crash window)', () => {
  const fleet = useFleet();

  async function crash(killAt: KillPoint, graceMs = 0): Promise<CrashOutcome> {
    const rotating = await startTestTokenIssuer({ lifetimeMs: 30_000, rotation: { graceMs } });
    fleet.adoptIssuer(rotating);
    const { stack, members } = fleet;
    const grant = rotating.grant;
    if (grant === undefined) throw new Error('the issuer was started without rotation');
    const secretId = stack.secretName('crash');
    const stateSecretId = `${secretId}-state`;
    const lockTable = await stack.table();
    await seedState({ secretId, stateSecretId, lockTable, ...clientsFor(stack), state: { refreshToken: grant.authorize() } });
    const env = stackEnvironment({ dynamodb: stack.dynamodb.endpoint, secretsManager: stack.emulator.endpoint });
    const config = { secretId, lockTable, stateSecretId, issuerUrl: rotating.url, callers: 2, leaseMs: 1_000 };

    const victim = await spawnFleetMember({ ...config, member: 1, killAt }, env);
    members.push(victim);
    expect((await victim.exited).signal).toBe('SIGKILL');
    const survivor = await spawnFleetMember({ ...config, member: 2 }, env);
    members.push(survivor);
    // The verdict: the survivor's own refresh, the typed loss, or — after a commit, when the token is fresh — serving it.
    const verdict = await survivor.when(
      (message: FleetMessage) =>
        (message.type === 'event' && message.event.type === 'refreshed') ||
        (message.type === 'error' && message.name === 'RefreshStateLostError') ||
        (killAt === 'after-commit' && message.type === 'generation'),
    );
    const started = eventsOf([survivor], 'refresh-started')[0];
    return {
      outcome: verdict.type === 'error' ? 'state-lost' : 'recovered',
      recovering: started?.recovering,
      revoked: grant.revokedAt !== undefined,
      providerCalls: grant.calls,
    };
  }

  it('dies after writing the marker, before the provider call: the takeover presents the unused state and recovers', async () => {
    expect(await crash('before-call')).toEqual({ outcome: 'recovered', recovering: true, revoked: false, providerCalls: 1 });
  });

  it('dies after the provider answered, before storing the state: without a grace period the grant is lost, typed, once', async () => {
    expect(await crash('after-answer')).toEqual({ outcome: 'state-lost', recovering: true, revoked: true, providerCalls: 2 });
  });

  it('dies after the provider answered, before storing the state: with a reuse grace period the takeover recovers', async () => {
    expect(await crash('after-answer', 60_000)).toEqual({ outcome: 'recovered', recovering: true, revoked: false, providerCalls: 2 });
  });

  it('dies after storing the state, before the token commit: the takeover uses the new state, one extra provider call', async () => {
    expect(await crash('after-state')).toEqual({ outcome: 'recovered', recovering: false, revoked: false, providerCalls: 2 });
  });

  it('dies after the commit: nothing to recover, the survivor serves the committed token', async () => {
    expect(await crash('after-commit')).toEqual({ outcome: 'recovered', recovering: undefined, revoked: false, providerCalls: 1 });
  });
});
