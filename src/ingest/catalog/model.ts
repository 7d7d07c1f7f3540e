// The topic catalog of a tenant: reference data (hierarchy, exam weight,
// prerequisites, hours to master, exam section) that the insights read beside
// mastery. Every door (PUT route, Kafka topic) produces this shape; the views
// layer stores it as versions; `catalogView` answers per-topic questions with
// defaults, so a topic the catalog does not list still works (weight 0, no
// prerequisites, 0 hours).

/** One topic as uploaded and stored. Absent optional values are `null` / `[]` / 0. */
export interface CatalogTopic {
  topicId: string;
  name: string;
  parentId: string | null;
  /** Importance for exams, 0..10. */
  examWeight: number;
  /** Topic ids to master before this one (inside the same catalog). */
  prerequisites: string[];
  /** Estimated hours to master the topic from scratch, ≥ 0. */
  estimatedHours: number;
  examId: string | null;
  /** Section of `examId` the topic belongs to (only with an exam). */
  examSection: string | null;
}

/** A stored version of a tenant's catalog. Version 0 with no topics: the tenant has none (yet, or deleted). */
export interface TopicCatalog {
  tenantId: string;
  version: number;
  /** True when this version is a deletion (a tombstone on the catalog topic). */
  deleted: boolean;
  /** SHA-256 of the canonical content (see `catalogDigest`): equal content, equal digest. */
  digest: string;
  topics: CatalogTopic[];
}

/** What the insights read about one topic; `known: false` means the catalog does not list it. */
export interface TopicInfo extends CatalogTopic {
  known: boolean;
  /** `examWeight / 10`, 0..1. */
  examWeightNorm: number;
  /** Share of the tenant's topics that list this topic as a prerequisite, 0..1. */
  prerequisiteImpact: number;
  /** Topic ids whose prerequisites list this topic, sorted. */
  dependents: string[];
}

export const maxExamWeight = 10;

/** The answer for a topic the catalog does not list. */
export function unknownTopic(topicId: string): TopicInfo {
  return {
    topicId,
    name: topicId,
    parentId: null,
    examWeight: 0,
    prerequisites: [],
    estimatedHours: 0,
    examId: null,
    examSection: null,
    known: false,
    examWeightNorm: 0,
    prerequisiteImpact: 0,
    dependents: [],
  };
}

export interface CatalogView {
  readonly catalog: TopicCatalog;
  /** The topic as listed, or the defaults of an unknown topic. */
  topic(topicId: string): TopicInfo;
  /** Topics of one exam, sorted by topic id (empty for an unknown exam). */
  examTopics(examId: string): TopicInfo[];
}

/** Indexes a catalog for lookups: dependents and prerequisite impact are computed once. */
export function catalogView(catalog: TopicCatalog): CatalogView {
  const byId = new Map<string, TopicInfo>();
  const dependents = new Map<string, string[]>();
  for (const t of catalog.topics) {
    for (const p of t.prerequisites) {
      const list = dependents.get(p);
      if (list) list.push(t.topicId);
      else dependents.set(p, [t.topicId]);
    }
  }
  const total = catalog.topics.length;
  for (const t of catalog.topics) {
    const deps = [...new Set(dependents.get(t.topicId) ?? [])].sort();
    byId.set(t.topicId, {
      ...t,
      prerequisites: [...t.prerequisites],
      known: true,
      examWeightNorm: t.examWeight / maxExamWeight,
      prerequisiteImpact: total === 0 ? 0 : deps.length / total,
      dependents: deps,
    });
  }
  return {
    catalog,
    topic: (topicId) => byId.get(topicId) ?? unknownTopic(topicId),
    examTopics: (examId) =>
      [...byId.values()].filter((t) => t.examId === examId).sort((a, b) => (a.topicId < b.topicId ? -1 : 1)),
  };
}

/** A tenant without a catalog: every topic is unknown. */
export function emptyCatalog(tenantId: string): TopicCatalog {
  return { tenantId, version: 0, deleted: false, digest: '', topics: [] };
}
