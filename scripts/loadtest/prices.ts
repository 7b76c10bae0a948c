/**
 * List prices the cost projection uses. They are parameters (override any of them on the command
 * line); the defaults are us-east-1 list prices as read on {@link DEFAULT_PRICES}.readOn.
 */
export interface Prices {
  /** Where and when the numbers were read, printed with every projection. */
  readOn: string;
  source: string;
  /** USD per secret per month. */
  secretPerMonth: number;
  /** USD per 10,000 Secrets Manager API calls. */
  secretsManagerPer10kCalls: number;
  /** USD per million on-demand DynamoDB write request units. */
  dynamodbPerMillionWrites: number;
  /** USD per million on-demand DynamoDB read request units (a consistent read of a small item is one). */
  dynamodbPerMillionReads: number;
  /** USD per identity-provider call (0 for most IdPs; some bill per token). */
  identityProviderPerCall: number;
}

/** AWS list prices, us-east-1 (DynamoDB on-demand after its 2024-11-01 reduction). */
export const DEFAULT_PRICES: Prices = {
  readOn: '2026-11-26',
  source: 'AWS list prices, us-east-1: Secrets Manager pricing page; DynamoDB on-demand pricing page',
  secretPerMonth: 0.4,
  secretsManagerPer10kCalls: 0.05,
  dynamodbPerMillionWrites: 0.625,
  dynamodbPerMillionReads: 0.125,
  identityProviderPerCall: 0,
};
