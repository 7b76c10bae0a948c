import { describe, expect, it } from 'vitest';
import { pendingVersionId } from '../../src/secret/version-id.js';

const key = { secretName: 'api-token', label: 'AWSCURRENT', epoch: 'epoch-1', fence: 7 };

describe('Function: pendingVersionId', () => {
  it('derives the same id for the same lease, so a retried PutSecretValue is idempotent', () => {
    expect(pendingVersionId({ ...key })).toBe(pendingVersionId(key));
  });

  it('differs per fence, per epoch (a re-created lock table), per label and per secret', () => {
    const ids = new Set([
      pendingVersionId(key),
      pendingVersionId({ ...key, fence: 8 }),
      pendingVersionId({ ...key, epoch: 'epoch-2' }),
      pendingVersionId({ ...key, label: 'read' }),
      pendingVersionId({ ...key, secretName: 'other' }),
    ]);
    expect(ids.size).toBe(5);
  });

  it('is a UUID-shaped token within the 32-64 characters Secrets Manager accepts', () => {
    const id = pendingVersionId(key);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.length).toBeGreaterThanOrEqual(32);
    expect(id.length).toBeLessThanOrEqual(64);
  });
});
