import type { SecretsManagerModel } from './model.js';
import type { StateChange } from './state.js';

/** Region names, e.g. `eu-west-1`, `us-gov-west-1`: the pattern of ReplicationStatusType's Region in AWS's API reference. */
const REGION_PATTERN = /^([a-z]+-)+\d+$/;

/**
 * The Region a request is for, from its SigV4 `Authorization` header
 * (`Credential=AKID/DATE/REGION/secretsmanager/aws4_request`), or `undefined` when the header is
 * absent or names no Region — the caller then serves the default Region, as before regions existed.
 *
 * @example
 * ```ts
 * regionOfAuthorization('AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/secretsmanager/aws4_request, …'); // 'eu-west-1'
 * ```
 */
export function regionOfAuthorization(header: string | undefined): string | undefined {
  const scope = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/secretsmanager\/aws4_request/.exec(header ?? '');
  const region = scope?.[1];
  return region !== undefined && isRegionName(region) ? region : undefined;
}

/** True for a well-formed Region name. */
export function isRegionName(region: string): boolean {
  return REGION_PATTERN.test(region);
}

/**
 * One model per Region, created on first use, sharing the emulator's clock and journal. The
 * default Region's records are journaled as they always were (so existing data folders load
 * unchanged); another Region's are wrapped in one `{op: 'region'}` record per batch.
 *
 * @example
 * ```ts
 * const regions = new RegionalModels('us-east-1', (region, onChanges) => new SecretsManagerModel({ region, onChanges }));
 * regions.model('eu-west-1').listSecrets({});
 * ```
 */
export class RegionalModels {
  readonly defaultRegion: string;
  readonly defaultModel: SecretsManagerModel;
  readonly #models = new Map<string, SecretsManagerModel>();
  readonly #create: (region: string, onChanges: ((changes: readonly StateChange[]) => void) | undefined) => SecretsManagerModel;
  readonly #journal: ((changes: readonly StateChange[]) => void) | undefined;

  constructor(
    defaultRegion: string,
    create: (region: string, onChanges: ((changes: readonly StateChange[]) => void) | undefined) => SecretsManagerModel,
    journal?: (changes: readonly StateChange[]) => void,
  ) {
    this.defaultRegion = defaultRegion;
    this.#create = create;
    this.#journal = journal;
    this.defaultModel = create(defaultRegion, journal);
    this.#models.set(defaultRegion, this.defaultModel);
  }

  /** The model of `region`, created empty on first use. */
  model(region: string): SecretsManagerModel {
    let model = this.#models.get(region);
    if (!model) {
      const journal = this.#journal;
      model = this.#create(region, journal ? (changes) => journal([{ op: 'region', region, changes }]) : undefined);
      this.#models.set(region, model);
    }
    return model;
  }

  /** Every Region used so far. */
  get regions(): string[] {
    return [...this.#models.keys()];
  }

  /** Rebuilds every Region from journaled records, routing `{op: 'region'}` records to their Region. */
  restore(changes: Iterable<StateChange>): void {
    for (const change of changes) {
      if (change.op === 'region') this.model(change.region).restore(change.changes);
      else this.defaultModel.restore([change]);
    }
  }

  /** Every Region's state as records that rebuild it (for compacting the journal). */
  *snapshot(): Generator<StateChange> {
    yield* this.defaultModel.snapshot();
    for (const [region, model] of this.#models) {
      if (region !== this.defaultRegion) yield { op: 'region', region, changes: [...model.snapshot()] };
    }
  }

  /** Forgets every Region's secrets. */
  reset(): void {
    for (const model of this.#models.values()) model.reset();
  }
}
