import { SecretsManagerServiceError } from './errors.js';

/**
 * Member shapes with the Smithy model's constraints, checked server-side as AWS does (the JS SDK
 * checks nothing client-side, SM-WIRE-14). Type mismatches are `SerializationException`s (SM-WIRE-15,
 * unverified text); constraint violations are one `ValidationException` in Coral's format, listing
 * every violation, with camelCase member paths and `@sensitive` values never echoed.
 */
export type MemberShape =
  | {
      readonly kind: 'string';
      readonly min?: number;
      readonly max?: number;
      readonly maxBytes?: number;
      readonly values?: readonly string[];
      /** A regular expression the whole value must match, written as AWS's API reference gives it. */
      readonly pattern?: string;
      readonly sensitive?: boolean;
    }
  | { readonly kind: 'blob'; readonly max?: number; readonly sensitive?: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'integer'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'list'; readonly member: MemberShape; readonly min?: number; readonly max?: number }
  | StructureShape;

/** A structure: its members, and which of them must be present. */
export interface StructureShape {
  readonly kind: 'structure';
  readonly members: Readonly<Record<string, MemberShape>>;
  readonly required?: readonly string[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks `input` (parsed JSON) against `shape` and returns it with blobs decoded to `Uint8Array`
 * and unknown members dropped (SM-WIRE-3: unknown members are ignored).
 *
 * @example
 * ```ts
 * const input = validateInput(JSON.parse(body), { kind: 'structure', members: { SecretId: { kind: 'string', min: 1 } }, required: ['SecretId'] });
 * ```
 */
export function validateInput(input: unknown, shape: StructureShape): Record<string, unknown> {
  const violations: string[] = [];
  const value = checkStructure(input, shape, '', violations);
  if (violations.length > 0) {
    const count = violations.length;
    throw new SecretsManagerServiceError(
      'ValidationException',
      `${count} validation error${count === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
    );
  }
  return value;
}

function checkStructure(input: unknown, shape: StructureShape, path: string, violations: string[]): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw serializationError(path === '' ? 'The request body must be a JSON object.' : `Expected an object at '${path}', got ${typeName(input)}.`);
  }
  const record = input as Record<string, unknown>;
  const output: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(shape.members)) {
    const memberPath = path === '' ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
    const raw = record[name];
    if (raw === undefined || raw === null) {
      if (shape.required?.includes(name)) violations.push(`Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    output[name] = checkMember(raw, member, memberPath, violations);
  }
  return output;
}

function checkMember(raw: unknown, shape: MemberShape, path: string, violations: string[]): unknown {
  switch (shape.kind) {
    case 'structure':
      return checkStructure(raw, shape, path, violations);
    case 'string': {
      if (typeof raw !== 'string') throw typeMismatch(path, 'a string', raw);
      const shown = shape.sensitive ? 'Value' : `Value '${raw}'`;
      const fail = (constraint: string): void => {
        violations.push(`${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
      };
      const length = [...raw].length;
      if (shape.min !== undefined && length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      if (shape.maxBytes !== undefined && Buffer.byteLength(raw, 'utf8') > shape.maxBytes) {
        fail(`Member must have length less than or equal to ${shape.maxBytes}`);
      }
      if (shape.values !== undefined && !shape.values.includes(raw)) fail(`Member must satisfy enum value set: [${shape.values.join(', ')}]`);
      if (shape.pattern !== undefined && !new RegExp(shape.pattern).test(raw))
        fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      return raw;
    }
    case 'blob': {
      if (typeof raw !== 'string') throw typeMismatch(path, 'a base64 string', raw);
      if (!BASE64.test(raw)) throw serializationError(`The value at '${path}' is not valid base64.`);
      const bytes = new Uint8Array(Buffer.from(raw, 'base64'));
      if (shape.max !== undefined && bytes.length > shape.max) {
        const shown = shape.sensitive ? 'Value' : `Value '${raw}'`;
        violations.push(`${shown} at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`);
      }
      return bytes;
    }
    case 'boolean':
      if (typeof raw !== 'boolean') throw typeMismatch(path, 'a boolean', raw);
      return raw;
    case 'integer': {
      if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) throw typeMismatch(path, 'an integer', raw);
      const fail = (constraint: string): void => {
        violations.push(`Value '${raw}' at '${path}' failed to satisfy constraint: ${constraint}`);
      };
      if (shape.min !== undefined && raw < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && raw > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
      return raw;
    }
    case 'list': {
      if (!Array.isArray(raw)) throw typeMismatch(path, 'a list', raw);
      const items = raw.map((item: unknown, index) => {
        const itemPath = `${path}.${index + 1}.member`;
        if (item === null || item === undefined) throw serializationError(`The list at '${path}' contains null.`);
        return checkMember(item, shape.member, itemPath, violations);
      });
      const fail = (constraint: string): void => {
        violations.push(`Value '[${raw.map(String).join(', ')}]' at '${path}' failed to satisfy constraint: ${constraint}`);
      };
      if (shape.min !== undefined && raw.length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && raw.length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      return items;
    }
  }
}

function typeMismatch(path: string, expected: string, raw: unknown): SecretsManagerServiceError {
  return serializationError(`Expected ${expected} at '${path}', got ${typeName(raw)}.`);
}

function serializationError(message: string): SecretsManagerServiceError {
  return new SecretsManagerServiceError('SerializationException', message);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
