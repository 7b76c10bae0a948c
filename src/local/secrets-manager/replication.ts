import type {
  RemoveRegionsFromReplicationRequest,
  RemoveRegionsFromReplicationResponse,
  ReplicateSecretToRegionsRequest,
  ReplicateSecretToRegionsResponse,
  StopReplicationToReplicaRequest,
  StopReplicationToReplicaResponse,
} from '@aws-sdk/client-secrets-manager';
import type { EmulatorClock } from './clock.js';
import { SecretsManagerServiceError } from './errors.js';
import type { ReplicaSource, SecretsManagerModel } from './model.js';
import { isRegionName } from './regions.js';
import type { ReplicationLink } from './replication-link.js';
import type { StoredReplica } from './state.js';

/** StatusMessage texts (REPL-STATUS); the Failed one is the example AWS's API reference gives. */
const IN_PROGRESS = 'Replication in progress';
const IN_SYNC = 'Replication succeeded';
const NAME_TAKEN = 'Secret with this name already exists in this region';

/** The replication fault settings behind `/_emulator/replication`. */
export interface ReplicationSettings {
  /** Milliseconds of the emulator clock between a primary change and its arrival at each replica. */
  readonly lagMs: number;
  /** While paused nothing reaches a replica; changes queue up and arrive, in order, on resume. */
  readonly paused: boolean;
}

/** One primary change on its way to one replica Region. */
interface Pending {
  readonly seq: number;
  readonly due: number;
  readonly primaryRegion: string;
  readonly name: string;
  readonly region: string;
  /** The primary as it was when the change was made: a lagging replica shows that state, not a later one. */
  readonly source: ReplicaSource;
  /** ForceOverwriteReplicaSecret of the call that added the Region (first copy only). */
  readonly force: boolean;
}

/**
 * Replication between the emulator's Regions: ReplicateSecretToRegions, RemoveRegionsFromReplication,
 * StopReplicationToReplica, and the asynchronous copy of each primary write to its replicas. A
 * change becomes due `lagMs` after it was made, on the emulator's clock, and is applied by
 * {@link pump} — which the server calls before every request and after every clock move, and a
 * timer calls in real time — so a test advances the clock instead of sleeping. `paused` holds
 * every copy back (the "replication paused" fault).
 *
 * @example
 * ```ts
 * const hub = new ReplicationHub(clock, (region) => regions.model(region));
 * hub.configure({ lagMs: 5_000 });
 * ```
 */
export class ReplicationHub implements ReplicationLink {
  #settings: ReplicationSettings = { lagMs: 0, paused: false };
  #queue: Pending[] = [];
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #clock: EmulatorClock;
  readonly #modelFor: (region: string) => SecretsManagerModel;

  constructor(clock: EmulatorClock, modelFor: (region: string) => SecretsManagerModel) {
    this.#clock = clock;
    this.#modelFor = modelFor;
  }

  /** The settings and the number of copies still on their way. */
  current(): ReplicationSettings & { pending: number } {
    return { ...this.#settings, pending: this.#queue.length };
  }

  /** Merges `input` (`lagMs`, `paused`) into the settings; throws a message naming a bad field. */
  configure(input: unknown): void {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new TypeError('The replication settings must be a JSON object: {"lagMs"?, "paused"?}.');
    }
    const { lagMs, paused, ...unknown } = input as Record<string, unknown>;
    const extra = Object.keys(unknown)[0];
    if (extra !== undefined) throw new TypeError(`Unknown replication setting "${extra}"; expected "lagMs" or "paused".`);
    if (lagMs !== undefined && !(typeof lagMs === 'number' && Number.isFinite(lagMs) && lagMs >= 0 && lagMs <= 86_400_000)) {
      throw new TypeError(`"lagMs" must be a number of milliseconds from 0 to 86400000; got ${JSON.stringify(lagMs)}.`);
    }
    if (paused !== undefined && typeof paused !== 'boolean') throw new TypeError(`"paused" must be true or false; got ${JSON.stringify(paused)}.`);
    this.#settings = {
      lagMs: lagMs ?? this.#settings.lagMs,
      paused: paused ?? this.#settings.paused,
    };
    this.pump();
  }

  /** Back to no lag, not paused, nothing pending (with `POST /_emulator/reset`). */
  reset(): void {
    this.#settings = { lagMs: 0, paused: false };
    this.#queue = [];
    clearTimeout(this.#timer);
  }

  /** Applies every copy that is due, oldest first, unless paused. */
  pump(): void {
    if (this.#settings.paused) return;
    const now = this.#clock.now();
    while (this.#queue[0] !== undefined && this.#queue[0].due <= now) {
      const next = this.#queue.shift() as Pending;
      this.#apply(next);
    }
    this.#arm();
  }

  // ---------------------------------------------------------------- the three APIs

  replicateSecretToRegions(region: string, input: ReplicateSecretToRegionsRequest): ReplicateSecretToRegionsResponse {
    const primary = this.#modelFor(region);
    const source = primary.replicaSource(input.SecretId);
    const { name, arn } = source.metadata;
    const requested = input.AddReplicaRegions ?? [];
    const seen = new Set<string>();
    for (const { Region: target = '' } of requested) {
      if (!isRegionName(target) || target === region || seen.has(target)) {
        // REPL-ADD: AWS's code for a bad parameter; the text is the emulator's.
        throw new SecretsManagerServiceError(
          'InvalidParameterException',
          `Invalid replica Region ${JSON.stringify(target)} for a secret in ${region}.`,
        );
      }
      seen.add(target);
    }
    const replicas = [...(source.metadata.replicas ?? [])];
    const added: { region: string; kmsKeyId: string | undefined }[] = [];
    for (const { Region: target = '', KmsKeyId: kmsKeyId } of requested) {
      const index = replicas.findIndex((replica) => replica.region === target);
      // A Region already replicating is left alone; a Failed one is tried again.
      if (index >= 0 && replicas[index]?.status !== 'Failed') continue;
      const entry: StoredReplica = {
        region: target,
        ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
        status: 'InProgress',
        statusMessage: IN_PROGRESS,
      };
      if (index >= 0) replicas[index] = entry;
      else replicas.push(entry);
      added.push({ region: target, kmsKeyId });
    }
    primary.setReplicas(name, replicas);
    for (const { region: target } of added) this.#enqueue(region, target, source, input.ForceOverwriteReplicaSecret === true);
    this.pump();
    return { ARN: arn, ReplicationStatus: primary.describeSecret({ SecretId: arn }).ReplicationStatus ?? [] };
  }

  removeRegionsFromReplication(region: string, input: RemoveRegionsFromReplicationRequest): RemoveRegionsFromReplicationResponse {
    const primary = this.#modelFor(region);
    const { name, arn, replicas = [] } = primary.replicaSource(input.SecretId).metadata;
    const removed = new Set(input.RemoveReplicaRegions ?? []);
    primary.setReplicas(
      name,
      replicas.filter((replica) => !removed.has(replica.region)),
    );
    for (const replica of replicas) {
      if (!removed.has(replica.region)) continue;
      this.#drop(region, name, replica.region);
      this.#modelFor(replica.region).removeReplica(name); // AWS deletes the replica secret
    }
    return { ARN: arn, ReplicationStatus: primary.describeSecret({ SecretId: arn }).ReplicationStatus ?? [] };
  }

  stopReplicationToReplica(region: string, input: StopReplicationToReplicaRequest): StopReplicationToReplicaResponse {
    const promoted = this.#modelFor(region).promoteReplica(input.SecretId);
    this.#drop(promoted.primaryRegion, promoted.name, region);
    const primary = this.#modelFor(promoted.primaryRegion);
    const replicas = primary.secretNamed(promoted.name)?.replicas;
    if (replicas) {
      primary.setReplicas(
        promoted.name,
        replicas.filter((replica) => replica.region !== region),
      );
    }
    return { ARN: promoted.arn };
  }

  // ---------------------------------------------------------------- what the models report

  primaryChanged(region: string, name: string): void {
    const primary = this.#modelFor(region);
    const metadata = primary.secretNamed(name);
    if (!metadata) return;
    const source = primary.replicaSource(metadata.arn);
    for (const replica of metadata.replicas ?? []) {
      if (replica.status === 'Failed') continue; // a failed Region waits for ReplicateSecretToRegions
      this.#enqueue(region, replica.region, source, false);
      this.#setStatus(region, name, replica.region, 'InProgress', IN_PROGRESS);
    }
    this.#arm();
  }

  replicaLastAccessed(region: string, name: string): number | undefined {
    const replica = this.#modelFor(region).secretNamed(name);
    return replica?.replicaOf === undefined ? undefined : replica.lastAccessedAt;
  }

  // ---------------------------------------------------------------- internals

  #enqueue(primaryRegion: string, region: string, source: ReplicaSource, force: boolean): void {
    // Copies to one Region arrive in the order they were made, even if the lag shrank in between.
    const last = this.#queue.filter((entry) => entry.region === region && entry.name === source.metadata.name).at(-1);
    const due = Math.max(this.#clock.now() + this.#settings.lagMs, last?.due ?? 0);
    this.#seq += 1;
    this.#queue.push({ seq: this.#seq, due, primaryRegion, name: source.metadata.name, region, source, force });
    this.#queue.sort((a, b) => a.due - b.due || a.seq - b.seq);
  }

  #apply(entry: Pending): void {
    const primary = this.#modelFor(entry.primaryRegion);
    const listed = primary.secretNamed(entry.name)?.replicas?.find((replica) => replica.region === entry.region);
    if (!listed) return; // removed or promoted meanwhile
    const target = this.#modelFor(entry.region);
    const existing = target.secretNamed(entry.name);
    const ours = existing?.replicaOf === entry.primaryRegion && existing.arn.split(':').pop() === entry.source.metadata.arn.split(':').pop();
    if (existing && !ours && !entry.force) {
      // REPL-CONFLICT: a different secret already has the name there; without ForceOverwriteReplicaSecret AWS marks the Region Failed.
      this.#drop(entry.primaryRegion, entry.name, entry.region);
      this.#setStatus(entry.primaryRegion, entry.name, entry.region, 'Failed', NAME_TAKEN);
      return;
    }
    target.writeReplica(entry.source, entry.primaryRegion, listed.kmsKeyId);
    const more = this.#queue.some(
      (other) => other.region === entry.region && other.name === entry.name && other.primaryRegion === entry.primaryRegion,
    );
    if (!more) this.#setStatus(entry.primaryRegion, entry.name, entry.region, 'InSync', IN_SYNC);
  }

  #drop(primaryRegion: string, name: string, region: string): void {
    this.#queue = this.#queue.filter((entry) => !(entry.primaryRegion === primaryRegion && entry.name === name && entry.region === region));
  }

  #setStatus(primaryRegion: string, name: string, region: string, status: StoredReplica['status'], statusMessage: string): void {
    const primary = this.#modelFor(primaryRegion);
    const replicas = primary.secretNamed(name)?.replicas ?? [];
    const current = replicas.find((replica) => replica.region === region);
    if (!current || (current.status === status && current.statusMessage === statusMessage)) return;
    primary.setReplicas(
      name,
      replicas.map((replica) => (replica.region === region ? { ...replica, status, statusMessage } : replica)),
    );
  }

  /** A real-time timer for the next due copy, so replicas also catch up when nobody calls. */
  #arm(): void {
    clearTimeout(this.#timer);
    const next = this.#queue[0];
    if (this.#settings.paused || next === undefined) return;
    this.#timer = setTimeout(() => this.pump(), Math.max(1, next.due - this.#clock.now()));
    this.#timer.unref();
  }
}
