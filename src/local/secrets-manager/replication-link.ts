import type {
  RemoveRegionsFromReplicationRequest,
  RemoveRegionsFromReplicationResponse,
  ReplicateSecretToRegionsRequest,
  ReplicateSecretToRegionsResponse,
  StopReplicationToReplicaRequest,
  StopReplicationToReplicaResponse,
} from '@aws-sdk/client-secrets-manager';

/**
 * What one Region's model asks of the replication hub (replication.ts). The model knows only its
 * own Region; everything that crosses Regions goes through this interface, which names Regions
 * rather than models so that model.ts and replication.ts do not import each other.
 */
export interface ReplicationLink {
  /** ReplicateSecretToRegions called in `region` (the primary's). */
  replicateSecretToRegions(region: string, input: ReplicateSecretToRegionsRequest): ReplicateSecretToRegionsResponse;
  /** RemoveRegionsFromReplication called in `region` (the primary's). */
  removeRegionsFromReplication(region: string, input: RemoveRegionsFromReplicationRequest): RemoveRegionsFromReplicationResponse;
  /** StopReplicationToReplica called in `region` (the replica's). */
  stopReplicationToReplica(region: string, input: StopReplicationToReplicaRequest): StopReplicationToReplicaResponse;
  /** A write changed primary secret `name` in `region`: its replicas must follow. */
  primaryChanged(region: string, name: string): void;
  /** The day the replica of `name` in `region` was last read, for the primary's ReplicationStatus. */
  replicaLastAccessed(region: string, name: string): number | undefined;
}
