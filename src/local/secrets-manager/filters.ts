import type { Filter } from '@aws-sdk/client-secrets-manager';

/**
 * ListSecrets / BatchGetSecretValue `Filters`, matched as AWS documents them
 * (docs/secrets-manager-replication.md §Filters has the rules and their sources):
 * filters AND together, the values of one filter OR together, a value starting with `!` excludes
 * what it matches, and each key has its own matching rule:
 *
 * - `name`, `tag-key`, `tag-value`, `primary-region`, `owning-service`: the whole value is a
 *   case-sensitive prefix of the attribute (so `/ _ + = . @ -` and spaces are literal).
 * - `description`: case-insensitive; every word of the value must begin a word of the description
 *   ("My Description" matches "Description of my secret").
 * - `all`: case-insensitive; the value is broken into words and a secret matches when one of them
 *   begins a word of its name, description, tag keys or tag values ("My_Secret" finds "my" or "secret").
 */

/** What the filters look at: the attributes of one secret, as the Region serving the call sees them. */
export interface FilterableSecret {
  readonly name: string;
  readonly description?: string | undefined;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
  /** The PrimaryRegion DescribeSecret shows; absent for a secret that is not replicated. */
  readonly primaryRegion?: string | undefined;
  /** The service that manages the secret; the emulator has none. */
  readonly owningService?: string | undefined;
}

/** True when `secret` passes every filter (AND), each filter being an OR of its values. */
export function matchesFilters(secret: FilterableSecret, filters: readonly Filter[]): boolean {
  return filters.every((filter) => matchesFilter(secret, filter));
}

function matchesFilter(secret: FilterableSecret, filter: Filter): boolean {
  const key = filter.Key ?? '';
  const values = filter.Values ?? [];
  const negated = values.filter((value) => value.startsWith('!')).map((value) => value.slice(1));
  const positive = values.filter((value) => !value.startsWith('!'));
  const matches = (value: string): boolean => valueMatches(secret, key, value);
  // A negated value excludes a secret it matches; with only negated values, everything else passes.
  if (negated.some(matches)) return false;
  return positive.length === 0 || positive.some(matches);
}

function valueMatches(secret: FilterableSecret, key: string, value: string): boolean {
  switch (key) {
    case 'name':
      return secret.name.startsWith(value);
    case 'tag-key':
      return secret.tags.some((tag) => tag.Key.startsWith(value));
    case 'tag-value':
      return secret.tags.some((tag) => tag.Value.startsWith(value));
    case 'primary-region':
      return secret.primaryRegion?.startsWith(value) ?? false;
    case 'owning-service':
      return secret.owningService?.startsWith(value) ?? false;
    case 'description': {
      const wanted = words(value);
      const present = words(secret.description ?? '');
      return wanted.length > 0 && wanted.every((word) => present.some((candidate) => candidate.startsWith(word)));
    }
    case 'all': {
      const present = [secret.name, secret.description ?? '', ...secret.tags.flatMap((tag) => [tag.Key, tag.Value])].flatMap(words);
      return words(value).some((word) => present.some((candidate) => candidate.startsWith(word)));
    }
    default:
      return false; // the wire layer admits only the keys above
  }
}

/**
 * Lower-cased words as AWS's search splits them: at any character that is not a letter or digit,
 * where a lower-case letter meets an upper-case one, and where letters meet digits
 * (`credsDatabase#892` → creds, database, 892).
 */
export function words(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/(\d)([A-Za-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
}
