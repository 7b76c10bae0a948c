/**
 * AWS Region names as the services accept them: `us-east-1`, `ap-southeast-2`, `us-gov-west-1`.
 *
 * @example
 * ```ts
 * REGION_PATTERN.test('eu-west-1'); // true
 * ```
 */
export const REGION_PATTERN = /^([a-z]+-)+\d+$/;
