import { afterAll, afterEach, beforeAll } from 'vitest';
import { spawnFleetMember, stackEnvironment, type FleetMember, type FleetMessage } from '../support/fleet.js';
import { startTestTokenIssuer, type TestTokenIssuer } from '../support/token-issuer.js';
import { startRefresherStack, type RefresherStack } from './harness.js';

/** A refresher event as a fleet member reported it. */
export type EventOf<T extends string> = Extract<Extract<FleetMessage, { type: 'event' }>['event'], { type: T }>;

/** Every event of `type` the members reported, tagged with the member. */
export function eventsOf<T extends string>(members: readonly FleetMember[], type: T): Array<EventOf<T> & { member: number }> {
  return members.flatMap((member) =>
    member.messages
      .filter((message): message is Extract<FleetMessage, { type: 'event' }> => message.type === 'event' && message.event.type === type)
      .map((message) => ({ ...(message.event as EventOf<T>), member: member.member })),
  );
}

export const isEvent =
  (type: string) =>
  (message: FleetMessage): boolean =>
    message.type === 'event' && message.event.type === type;

/** Resolves when `member` reports having refreshed `generation`. */
export const refreshedGeneration = (member: FleetMember, generation: number): Promise<FleetMessage> =>
  member.when((message) => message.type === 'event' && message.event.type === 'refreshed' && message.event.generation === generation);

export const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index + 1);

/** A test file's fleet: the local stack in this process, a token issuer and member processes. */
export interface FleetFixture {
  readonly stack: RefresherStack;
  readonly members: FleetMember[];
  /** Starts `count` members on a fresh secret and lock table. */
  start(
    count: number,
    options: { callers: number; lifetimeMs: number; leaseMs: number; telemetryFile?: (member: number) => string },
  ): Promise<{ secretId: string; lockTable: string; history: number[]; issuer: TestTokenIssuer }>;
  /** Closes `issuer` after the test, as `start` does with its own: for a test that starts members itself. */
  adoptIssuer(issuer: TestTokenIssuer): void;
  /** Resolves once every member (or those given) has served `generation` or later. */
  reachGeneration(generation: number, among?: readonly FleetMember[]): Promise<unknown>;
}

/**
 * Registers the hooks that start the stack for the file and kill the members after each test.
 *
 * @example
 * ```ts
 * const fleet = useFleet();
 * it('…', async () => { await fleet.start(3, { callers: 8, lifetimeMs: 6_000, leaseMs: 2_000 }); });
 * ```
 */
export function useFleet(): FleetFixture {
  let stack: RefresherStack | undefined;
  let issuer: TestTokenIssuer | undefined;
  const members: FleetMember[] = [];
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterEach(async () => {
    await Promise.all(members.splice(0).map((member) => member.kill()));
    await issuer?.close();
    issuer = undefined;
  });
  afterAll(() => stack?.close());
  const fixture: FleetFixture = {
    get stack(): RefresherStack {
      if (stack === undefined) throw new Error('The fleet stack starts in beforeAll.');
      return stack;
    },
    members,
    async start(count, options) {
      const local = fixture.stack;
      issuer = await startTestTokenIssuer({ lifetimeMs: options.lifetimeMs });
      const secretId = local.secretName('fleet');
      const lockTable = await local.table();
      const history = local.watchCurrent(secretId);
      const env = stackEnvironment({ dynamodb: local.dynamodb.endpoint, secretsManager: local.emulator.endpoint });
      const issuerUrl = issuer.url;
      members.push(
        ...(await Promise.all(
          range(count).map((member) =>
            spawnFleetMember(
              {
                member,
                secretId,
                lockTable,
                issuerUrl,
                callers: options.callers,
                leaseMs: options.leaseMs,
                ...(options.telemetryFile === undefined ? {} : { telemetryFile: options.telemetryFile(member) }),
              },
              env,
            ),
          ),
        )),
      );
      return { secretId, lockTable, history, issuer };
    },
    adoptIssuer(own) {
      issuer = own;
    },
    reachGeneration: (generation, among = members) =>
      Promise.all(among.map((member) => member.when((message) => message.type === 'generation' && message.generation >= generation))),
  };
  return fixture;
}
