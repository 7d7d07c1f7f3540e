// The documented vocabularies of the event contract (v3): the activity
// taxonomy (category → its actions) and the context enumerations. Lookups go
// through Maps and Sets, never object properties, so an untrusted category
// such as `__proto__` or `constructor` is plain data (README "Events").

/** Activity categories and their actions. An event of schema_version ≥ 3 in one of these categories must use one of its actions. */
export const activityTaxonomy = {
  navigation: ['page_view', 'route_change', 'link_click', 'search', 'opened', 'closed'],
  quest: ['started', 'progressed', 'completed', 'abandoned'],
  badge: ['earned', 'claimed', 'viewed'],
  tutor: ['session_started', 'message_sent', 'message_received', 'session_ended', 'rated'],
  community: ['post_created', 'comment_created', 'reaction_added', 'shared', 'reported'],
  auth: ['login', 'logout', 'login_failed', 'password_reset', 'token_refreshed'],
  parent: ['report_viewed', 'message_sent', 'consent_given', 'consent_withdrawn', 'linked'],
  error: ['client_error', 'server_error', 'network_error'],
} as const satisfies Record<string, readonly string[]>;

export type ActivityCategory = keyof typeof activityTaxonomy;

const actionsOf: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(activityTaxonomy).map(([category, actions]) => [category, new Set<string>(actions)]),
);

/** True for the eight taxonomy categories; other (legacy) categories are accepted as free ids. */
export function isTaxonomyCategory(category: string): category is ActivityCategory {
  return actionsOf.has(category);
}

/** The actions of a taxonomy category, undefined for any other string. */
export function taxonomyActions(category: string): ReadonlySet<string> | undefined {
  return actionsOf.get(category);
}

/** `context.platform` values. */
export const contextPlatforms: ReadonlySet<string> = new Set([
  'web',
  'ios',
  'android',
  'windows',
  'macos',
  'linux',
  'chromeos',
  'other',
]);

/** `context.device_kind` values. */
export const deviceKinds: ReadonlySet<string> = new Set(['desktop', 'tablet', 'phone', 'other']);
