// Validation of an uploaded topic catalog, the same for every door (JSON and
// CSV on the PUT route, Avro records on the catalog topic). Returns the
// normalised catalog (topics sorted by id, prerequisites sorted) and its
// digest, or every problem found as typed issues; it never throws on input.
import { createHash } from 'node:crypto';
import { type CatalogTopic, maxExamWeight } from './model.js';

export const catalogIssueCodes = [
  /** Not a list of topics, a field of the wrong type, an id with forbidden characters, a text too long. */
  'invalid_field',
  /** Two topics share an id. */
  'duplicate_topic',
  /** `parentId` names no topic of the same upload. */
  'unknown_parent',
  /** A prerequisite names no topic of the same upload. */
  'unknown_prerequisite',
  /** A prerequisite listed twice by one topic. */
  'duplicate_prerequisite',
  /** Following parents leads back to the start (a topic is its own ancestor). */
  'parent_cycle',
  /** Following prerequisites leads back to the start (a topic requires itself). */
  'prerequisite_cycle',
  /** `examWeight` outside 0..10. */
  'weight_out_of_range',
  /** `estimatedHours` below 0 (or past the cap). */
  'negative_hours',
  /** `examSection` without an `examId`. */
  'section_without_exam',
  /** More topics (or prerequisites of one topic) than the limits allow. */
  'too_many_topics',
] as const;

export type CatalogIssueCode = (typeof catalogIssueCodes)[number];

export interface CatalogIssue {
  code: CatalogIssueCode;
  message: string;
  /** Position of the topic in the upload (0-based; for CSV, data row n is index n − 1). */
  index?: number;
  topicId?: string;
  field?: string;
  /** For cycles: the topic ids around the cycle, first one repeated at the end. */
  cycle?: string[];
}

export interface CatalogLimits {
  /** Most topics in one catalog. */
  maxTopics?: number;
  /** Most prerequisites of one topic. */
  maxPrerequisites?: number;
}

export const defaultCatalogLimits = { maxTopics: 10_000, maxPrerequisites: 100 } as const;
/** Most issues reported for one upload: enough to fix a file, bounded for the response. */
export const maxReportedIssues = 100;
/** Largest `estimatedHours` accepted (a sanity bound: more than 11 years of full days). */
export const maxEstimatedHours = 100_000;

export const topicIdPattern = /^[A-Za-z0-9_.:/-]{1,128}$/;
const maxNameLength = 256;
const maxSectionLength = 128;

export type CatalogValidation =
  | { ok: true; topics: CatalogTopic[]; digest: string }
  | { ok: false; issues: CatalogIssue[] };

/** Checks one upload: field shapes and ranges, unique ids, references inside the upload, no cycles. */
export function validateCatalog(input: unknown, limits: CatalogLimits = {}): CatalogValidation {
  const maxTopics = limits.maxTopics ?? defaultCatalogLimits.maxTopics;
  const maxPrerequisites = limits.maxPrerequisites ?? defaultCatalogLimits.maxPrerequisites;
  const issues: CatalogIssue[] = [];
  if (!Array.isArray(input)) {
    return { ok: false, issues: [{ code: 'invalid_field', field: 'topics', message: 'topics must be a list' }] };
  }
  if (input.length > maxTopics) {
    return {
      ok: false,
      issues: [
        {
          code: 'too_many_topics',
          field: 'topics',
          message: `${input.length} topics, at most ${maxTopics} in one catalog`,
        },
      ],
    };
  }
  const topics: CatalogTopic[] = [];
  // Index of each id's first topic, for every topic with a valid id even when
  // another of its fields is bad: duplicates and references are judged on ids
  // alone, and a reference to a flawed topic is not reported as unknown too.
  const indexOf = new Map<string, number>();
  const references: { index: number; topicId: string; parentId: unknown; prerequisites: unknown }[] = [];
  input.forEach((raw, index) => {
    const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : undefined;
    const own = (key: string): unknown => (r && Object.hasOwn(r, key) ? r[key] : undefined);
    const rawId = own('topicId');
    if (typeof rawId === 'string' && topicIdPattern.test(rawId)) {
      const first = indexOf.get(rawId);
      if (first !== undefined) {
        issues.push({
          code: 'duplicate_topic',
          index,
          topicId: rawId,
          field: 'topicId',
          message: `topic ${rawId} also at index ${first}`,
        });
        return;
      }
      indexOf.set(rawId, index);
      references.push({ index, topicId: rawId, parentId: own('parentId'), prerequisites: own('prerequisites') });
    }
    const topic = readTopic(raw, index, maxPrerequisites, issues);
    if (topic) topics.push(topic);
  });
  const isId = (v: unknown): v is string => typeof v === 'string' && topicIdPattern.test(v);
  for (const { index, topicId, parentId, prerequisites } of references) {
    if (isId(parentId) && parentId !== topicId && !indexOf.has(parentId)) {
      issues.push({
        code: 'unknown_parent',
        index,
        topicId,
        field: 'parentId',
        message: `parent ${parentId} is not a topic of this catalog`,
      });
    }
    if (!Array.isArray(prerequisites)) continue;
    for (const p of prerequisites) {
      if (isId(p) && p !== topicId && !indexOf.has(p)) {
        issues.push({
          code: 'unknown_prerequisite',
          index,
          topicId,
          field: 'prerequisites',
          message: `prerequisite ${p} is not a topic of this catalog`,
        });
      }
    }
  }
  const byId = new Map(topics.map((t) => [t.topicId, t]));
  for (const cycle of findCycles(topics, (t) => (t.parentId !== null && byId.has(t.parentId) ? [t.parentId] : []))) {
    issues.push(cycleIssue('parent_cycle', 'parentId', cycle, indexOf));
  }
  for (const cycle of findCycles(topics, (t) => t.prerequisites.filter((p) => byId.has(p)))) {
    issues.push(cycleIssue('prerequisite_cycle', 'prerequisites', cycle, indexOf));
  }
  if (issues.length > 0) return { ok: false, issues: issues.slice(0, maxReportedIssues) };
  const normalised = topics
    .map((t) => ({ ...t, prerequisites: [...t.prerequisites].sort(compare) }))
    .sort((a, b) => compare(a.topicId, b.topicId));
  return { ok: true, topics: normalised, digest: catalogDigest(normalised) };
}

/**
 * SHA-256 (hex) of the canonical JSON of normalised topics (sorted, fields in
 * a fixed order): what makes a re-sent catalog recognisable as the same one.
 */
export function catalogDigest(topics: readonly CatalogTopic[]): string {
  const canonical = topics.map((t) => [
    t.topicId,
    t.name,
    t.parentId,
    t.examWeight,
    t.prerequisites,
    t.estimatedHours,
    t.examId,
    t.examSection,
  ]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cycleIssue(
  code: 'parent_cycle' | 'prerequisite_cycle',
  field: string,
  cycle: string[],
  indexOf: Map<string, number>,
): CatalogIssue {
  const start = cycle[0] as string;
  return {
    code,
    index: indexOf.get(start) as number,
    topicId: start,
    field,
    cycle,
    message: `${code === 'parent_cycle' ? 'parents' : 'prerequisites'} form a cycle: ${cycle.join(' → ')}`,
  };
}

/**
 * Every cycle of the graph `edges`, each reported once, starting at its topic
 * that comes first in the upload. Iterative depth-first search (three colours),
 * so a chain of thousands of topics cannot overflow the stack.
 */
export function findCycles(topics: readonly CatalogTopic[], edges: (t: CatalogTopic) => string[]): string[][] {
  const byId = new Map(topics.map((t) => [t.topicId, t]));
  const order = new Map(topics.map((t, i) => [t.topicId, i]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  for (const root of topics) {
    if (state.has(root.topicId)) continue;
    const path: string[] = [];
    const stack: { id: string; next: string[] }[] = [];
    const enter = (id: string) => {
      state.set(id, 'open');
      path.push(id);
      stack.push({ id, next: [...edges(byId.get(id) as CatalogTopic)] });
    };
    enter(root.topicId);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: string[] };
      const to = top.next.shift();
      if (to === undefined) {
        state.set(top.id, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const s = state.get(to);
      if (s === undefined) enter(to);
      else if (s === 'open') {
        const loop = path.slice(path.indexOf(to));
        // Start the report at the member listed first in the upload.
        let first = 0;
        for (let i = 1; i < loop.length; i++) {
          if ((order.get(loop[i] as string) as number) < (order.get(loop[first] as string) as number)) first = i;
        }
        const rotated = [...loop.slice(first), ...loop.slice(0, first)];
        cycles.push([...rotated, rotated[0] as string]);
      }
    }
  }
  return cycles;
}

/** Reads one raw topic (any JS value); pushes its problems and returns undefined when it has any. */
function readTopic(
  raw: unknown,
  index: number,
  maxPrerequisites: number,
  issues: CatalogIssue[],
): CatalogTopic | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ code: 'invalid_field', index, message: 'a topic must be an object' });
    return undefined;
  }
  const r = raw as Record<string, unknown>;
  const own = (key: string): unknown => (Object.hasOwn(r, key) ? r[key] : undefined);
  const before = issues.length;
  const topicId = own('topicId');
  const id = typeof topicId === 'string' && topicIdPattern.test(topicId) ? topicId : undefined;
  const at = (field: string, code: CatalogIssueCode, message: string) =>
    issues.push({ code, index, ...(id ? { topicId: id } : {}), field, message });
  if (!id) at('topicId', 'invalid_field', 'topicId must be 1-128 characters of A-Z a-z 0-9 _ . : / -');
  const name = own('name');
  const nameText = name === undefined || name === null || name === '' ? id : name;
  if (nameText !== undefined && (typeof nameText !== 'string' || nameText.length > maxNameLength)) {
    at('name', 'invalid_field', `name must be a text of at most ${maxNameLength} characters`);
  }
  const parentId = optionalId(own('parentId'));
  if (parentId === false) at('parentId', 'invalid_field', 'parentId must be a topic id or empty');
  else if (parentId !== null && parentId === id) {
    at('parentId', 'parent_cycle', `topic ${id} is its own parent`);
  }
  const examWeight = optionalNumber(own('examWeight'));
  if (examWeight === undefined) at('examWeight', 'invalid_field', 'examWeight must be a number');
  else if (examWeight < 0 || examWeight > maxExamWeight) {
    at('examWeight', 'weight_out_of_range', `examWeight ${examWeight} is outside 0..${maxExamWeight}`);
  }
  const hours = optionalNumber(own('estimatedHours'));
  if (hours === undefined) at('estimatedHours', 'invalid_field', 'estimatedHours must be a number');
  else if (hours < 0) at('estimatedHours', 'negative_hours', `estimatedHours ${hours} is negative`);
  else if (hours > maxEstimatedHours) {
    at('estimatedHours', 'negative_hours', `estimatedHours ${hours} is past the cap of ${maxEstimatedHours}`);
  }
  const prerequisites = readPrerequisites(own('prerequisites'));
  if (!prerequisites) {
    at('prerequisites', 'invalid_field', 'prerequisites must be a list of topic ids');
  } else {
    if (prerequisites.length > maxPrerequisites) {
      at('prerequisites', 'too_many_topics', `${prerequisites.length} prerequisites, at most ${maxPrerequisites}`);
    }
    const seen = new Set<string>();
    for (const p of prerequisites) {
      if (p === id) at('prerequisites', 'prerequisite_cycle', `topic ${id} lists itself as a prerequisite`);
      else if (seen.has(p)) at('prerequisites', 'duplicate_prerequisite', `prerequisite ${p} listed twice`);
      seen.add(p);
    }
  }
  const examId = optionalId(own('examId'));
  if (examId === false) at('examId', 'invalid_field', 'examId must be 1-128 characters of A-Z a-z 0-9 _ . : / -');
  const examSection = own('examSection');
  const section = examSection === undefined || examSection === null || examSection === '' ? null : examSection;
  if (section !== null && (typeof section !== 'string' || section.length > maxSectionLength)) {
    at('examSection', 'invalid_field', `examSection must be a text of at most ${maxSectionLength} characters`);
  } else if (section !== null && examId === null) {
    at('examSection', 'section_without_exam', 'examSection needs an examId');
  }
  if (issues.length > before) return undefined;
  return {
    topicId: id as string,
    name: nameText as string,
    parentId: parentId as string | null,
    examWeight: examWeight as number,
    prerequisites: prerequisites as string[],
    estimatedHours: hours as number,
    examId: examId as string | null,
    examSection: section as string | null,
  };
}

/** null for absent / empty, the id when valid, false when not an id. */
function optionalId(v: unknown): string | null | false {
  if (v === undefined || v === null || v === '') return null;
  return typeof v === 'string' && topicIdPattern.test(v) ? v : false;
}

/** 0 for absent / null, the number when finite, undefined otherwise. */
function optionalNumber(v: unknown): number | undefined {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function readPrerequisites(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return undefined;
  return v.every((p) => typeof p === 'string' && topicIdPattern.test(p)) ? (v as string[]) : undefined;
}
