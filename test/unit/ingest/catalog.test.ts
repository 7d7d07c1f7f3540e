// The topic catalog's pure logic: validation (every issue code, worked out by
// hand), the CSV form, the digest, and the lookups with defaults that the
// insights read.
import { describe, expect, it } from 'vitest';
import { decodeCatalogRecord, encodeCatalogValue } from '../../../src/ingest/catalog/codec.js';
import { parseCatalogCsv } from '../../../src/ingest/catalog/csv.js';
import { catalogView, emptyCatalog, unknownTopic } from '../../../src/ingest/catalog/model.js';
import { catalogDigest, validateCatalog } from '../../../src/ingest/catalog/validate.js';

const algebra = [
  { topicId: 'math', name: 'Mathematics' },
  { topicId: 'algebra', name: 'Algebra', parentId: 'math', examWeight: 8, estimatedHours: 12, examId: 'sat' },
  {
    topicId: 'equations',
    name: 'Linear equations',
    parentId: 'algebra',
    examWeight: 6,
    prerequisites: ['algebra'],
    estimatedHours: 4.5,
    examId: 'sat',
    examSection: 'math-no-calc',
  },
  { topicId: 'graphs', name: 'Graphs', parentId: 'math', examWeight: 3, prerequisites: ['equations', 'algebra'] },
];

const issuesOf = (input: unknown, limits?: Parameters<typeof validateCatalog>[1]) => {
  const r = validateCatalog(input, limits);
  if (r.ok) throw new Error('expected issues');
  return r.issues;
};

describe('validateCatalog', () => {
  it('normalises a valid catalog: sorted by id, defaults filled, prerequisites sorted', () => {
    const r = validateCatalog(algebra);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.topics.map((t) => t.topicId)).toEqual(['algebra', 'equations', 'graphs', 'math']);
    expect(r.topics[2]).toEqual({
      topicId: 'graphs',
      name: 'Graphs',
      parentId: 'math',
      examWeight: 3,
      prerequisites: ['algebra', 'equations'],
      estimatedHours: 0,
      examId: null,
      examSection: null,
    });
    expect(r.topics[3]).toEqual({
      topicId: 'math',
      name: 'Mathematics',
      parentId: null,
      examWeight: 0,
      prerequisites: [],
      estimatedHours: 0,
      examId: null,
      examSection: null,
    });
    // Same content in another order: same digest.
    const again = validateCatalog([...algebra].reverse());
    expect(again.ok && again.digest).toBe(r.digest);
    expect(r.digest).toBe(catalogDigest(r.topics));
    expect(r.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a name defaults to the id; empty strings count as absent', () => {
    const r = validateCatalog([{ topicId: 'x', name: '', parentId: '', examId: '', examSection: '' }]);
    expect(r.ok && r.topics).toEqual([
      {
        topicId: 'x',
        name: 'x',
        parentId: null,
        examWeight: 0,
        prerequisites: [],
        estimatedHours: 0,
        examId: null,
        examSection: null,
      },
    ]);
  });

  it('an empty catalog is valid', () => {
    expect(validateCatalog([]).ok).toBe(true);
  });

  it('duplicate ids, unknown parent and prerequisite, each with position and field', () => {
    expect(
      issuesOf([
        { topicId: 'a' },
        { topicId: 'b', parentId: 'nope' },
        { topicId: 'a' },
        { topicId: 'c', prerequisites: ['a', 'ghost'] },
      ]),
    ).toEqual([
      { code: 'duplicate_topic', index: 2, topicId: 'a', field: 'topicId', message: 'topic a also at index 0' },
      {
        code: 'unknown_parent',
        index: 1,
        topicId: 'b',
        field: 'parentId',
        message: 'parent nope is not a topic of this catalog',
      },
      {
        code: 'unknown_prerequisite',
        index: 3,
        topicId: 'c',
        field: 'prerequisites',
        message: 'prerequisite ghost is not a topic of this catalog',
      },
    ]);
  });

  it('ranges: weight outside 0..10, negative hours, section without exam', () => {
    const issues = issuesOf([
      { topicId: 'w', examWeight: 10.5 },
      { topicId: 'v', examWeight: -1 },
      { topicId: 'h', estimatedHours: -2 },
      { topicId: 's', examSection: 'part-1' },
      { topicId: 'ok', examWeight: 10, estimatedHours: 0 },
    ]);
    expect(issues.map((i) => [i.code, i.topicId, i.field])).toEqual([
      ['weight_out_of_range', 'w', 'examWeight'],
      ['weight_out_of_range', 'v', 'examWeight'],
      ['negative_hours', 'h', 'estimatedHours'],
      ['section_without_exam', 's', 'examSection'],
    ]);
    expect(issues[0]?.message).toBe('examWeight 10.5 is outside 0..10');
  });

  it('types: a bad id, a weight that is text, NaN, prerequisites that are not a list', () => {
    const issues = issuesOf([
      { topicId: 'has space' },
      { topicId: 'n', examWeight: '5' },
      { topicId: 'm', estimatedHours: Number.NaN },
      { topicId: 'p', prerequisites: 'a;b' },
      'not an object',
    ]);
    expect(issues.map((i) => [i.code, i.index, i.field])).toEqual([
      ['invalid_field', 0, 'topicId'],
      ['invalid_field', 1, 'examWeight'],
      ['invalid_field', 2, 'estimatedHours'],
      ['invalid_field', 3, 'prerequisites'],
      ['invalid_field', 4, undefined],
    ]);
  });

  it('a reference to a topic that has another issue is not reported as unknown too', () => {
    expect(
      issuesOf([
        { topicId: 'a', examWeight: 11 },
        { topicId: 'b', parentId: 'a', prerequisites: ['a'] },
      ]),
    ).toEqual([
      {
        code: 'weight_out_of_range',
        index: 0,
        topicId: 'a',
        field: 'examWeight',
        message: 'examWeight 11 is outside 0..10',
      },
    ]);
  });

  it('parent cycles: a → b → c → a reported once, from the topic listed first; a self-parent', () => {
    const issues = issuesOf([
      { topicId: 'b', parentId: 'c' },
      { topicId: 'a', parentId: 'b' },
      { topicId: 'c', parentId: 'a' },
      { topicId: 'self', parentId: 'self' },
      { topicId: 'leaf', parentId: 'a' },
    ]);
    expect(issues).toEqual([
      { code: 'parent_cycle', index: 3, topicId: 'self', field: 'parentId', message: 'topic self is its own parent' },
      {
        code: 'parent_cycle',
        index: 0,
        topicId: 'b',
        field: 'parentId',
        cycle: ['b', 'c', 'a', 'b'],
        message: 'parents form a cycle: b → c → a → b',
      },
    ]);
  });

  it('prerequisite cycles: two separate cycles, a diamond is fine, a self-prerequisite', () => {
    const issues = issuesOf([
      // Diamond: d needs b and c, both need a. No cycle.
      { topicId: 'a' },
      { topicId: 'b', prerequisites: ['a'] },
      { topicId: 'c', prerequisites: ['a'] },
      { topicId: 'd', prerequisites: ['b', 'c'] },
      // x ↔ y, and p → q → r → p.
      { topicId: 'x', prerequisites: ['y'] },
      { topicId: 'y', prerequisites: ['x'] },
      { topicId: 'q', prerequisites: ['r'] },
      { topicId: 'p', prerequisites: ['q'] },
      { topicId: 'r', prerequisites: ['p', 'a'] },
      { topicId: 'me', prerequisites: ['me'] },
    ]);
    expect(issues.map((i) => [i.code, i.topicId, i.cycle])).toEqual([
      ['prerequisite_cycle', 'me', undefined],
      ['prerequisite_cycle', 'x', ['x', 'y', 'x']],
      ['prerequisite_cycle', 'q', ['q', 'r', 'p', 'q']],
    ]);
  });

  it('a chain of 20,000 prerequisites is checked without overflowing the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => ({
      topicId: `t${i}`,
      prerequisites: i === 0 ? [] : [`t${i - 1}`],
    }));
    expect(validateCatalog(chain, { maxTopics: 20_000 }).ok).toBe(true);
    chain[0] = { topicId: 't0', prerequisites: ['t19999'] };
    const issues = issuesOf(chain, { maxTopics: 20_000 });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.code).toBe('prerequisite_cycle');
    expect(issues[0]?.cycle).toHaveLength(20_001);
  });

  it('limits: too many topics, too many prerequisites, duplicate prerequisite', () => {
    expect(issuesOf([{ topicId: 'a' }, { topicId: 'b' }, { topicId: 'c' }], { maxTopics: 2 })).toEqual([
      { code: 'too_many_topics', field: 'topics', message: '3 topics, at most 2 in one catalog' },
    ]);
    const issues = issuesOf([{ topicId: 'a' }, { topicId: 'b' }, { topicId: 'c', prerequisites: ['a', 'b', 'a'] }], {
      maxPrerequisites: 2,
    });
    expect(issues.map((i) => [i.code, i.topicId])).toEqual([
      ['too_many_topics', 'c'],
      ['duplicate_prerequisite', 'c'],
    ]);
    expect(issuesOf({ topics: [] })).toEqual([
      { code: 'invalid_field', field: 'topics', message: 'topics must be a list' },
    ]);
  });

  it('ids are plain data: __proto__, constructor and toString are topics like any other', () => {
    const input = JSON.parse(
      '[{"topicId":"__proto__","name":"p"},{"topicId":"constructor","parentId":"__proto__","prerequisites":["toString"]},{"topicId":"toString"}]',
    );
    const r = validateCatalog(input);
    expect(r.ok && r.topics.map((t) => [t.topicId, t.parentId, t.prerequisites])).toEqual([
      ['__proto__', null, []],
      ['constructor', '__proto__', ['toString']],
      ['toString', null, []],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseCatalogCsv', () => {
  it('reads the documented columns; prerequisites split on ;, numbers parsed, empty cells absent', () => {
    const csv =
      '\uFEFFtopic_id,name,parent_id,exam_weight,prerequisites,estimated_hours,exam_id,exam_section\r\n' +
      'math,Mathematics,,,,,,\r\n' +
      'algebra,"Algebra, basic",math,8,,12,sat,\r\n' +
      'equations,"Linear ""equations""",algebra,6, algebra ,4.5,sat,math-no-calc\r\n' +
      '\r\n' +
      'graphs,Graphs,math,3,equations;algebra,,,\n';
    const r = parseCatalogCsv(csv);
    expect(r).toEqual({
      ok: true,
      topics: [
        { topicId: 'math', name: 'Mathematics' },
        {
          topicId: 'algebra',
          name: 'Algebra, basic',
          parentId: 'math',
          examWeight: 8,
          estimatedHours: 12,
          examId: 'sat',
        },
        {
          topicId: 'equations',
          name: 'Linear "equations"',
          parentId: 'algebra',
          examWeight: 6,
          prerequisites: ['algebra'],
          estimatedHours: 4.5,
          examId: 'sat',
          examSection: 'math-no-calc',
        },
        { topicId: 'graphs', name: 'Graphs', parentId: 'math', examWeight: 3, prerequisites: ['equations', 'algebra'] },
      ],
    });
    // The same catalog as the JSON form: same digest.
    const fromCsv = r.ok ? validateCatalog(r.topics) : undefined;
    const fromJson = validateCatalog(
      algebra.map((t) =>
        t.topicId === 'algebra'
          ? { ...t, name: 'Algebra, basic' }
          : t.topicId === 'equations'
            ? { ...t, name: 'Linear "equations"' }
            : t,
      ),
    );
    expect(fromCsv?.ok).toBe(true);
    expect(fromCsv?.ok && fromJson.ok && fromCsv.digest === fromJson.digest).toBe(true);
  });

  it('columns may come in any order and be a subset; a quoted cell may hold a newline', () => {
    expect(parseCatalogCsv('name,topic_id\n"two\nlines",t1\n')).toEqual({
      ok: true,
      topics: [{ topicId: 't1', name: 'two\nlines' }],
    });
  });

  it('refuses unknown columns (a __proto__ header too), a missing topic_id column, bad numbers, ragged rows', () => {
    expect(parseCatalogCsv('topic_id,__proto__\na,b\n')).toEqual({
      ok: false,
      issues: [
        {
          code: 'invalid_field',
          field: '__proto__',
          message:
            'unknown column "__proto__"; columns: topic_id, name, parent_id, exam_weight, prerequisites, estimated_hours, exam_id, exam_section',
        },
      ],
    });
    expect(parseCatalogCsv('name\nx\n')).toEqual({
      ok: false,
      issues: [{ code: 'invalid_field', field: 'topic_id', message: 'the header must name a topic_id column' }],
    });
    expect(parseCatalogCsv('topic_id,exam_weight\na,=1+1\nb,1e3\nc\n')).toEqual({
      ok: false,
      issues: [
        { code: 'invalid_field', index: 0, field: 'examWeight', message: 'row 2: exam_weight "=1+1" is not a number' },
        { code: 'invalid_field', index: 1, field: 'examWeight', message: 'row 3: exam_weight "1e3" is not a number' },
        { code: 'invalid_field', index: 2, message: 'row 4 has 1 cells, the header 2' },
      ],
    });
    expect(parseCatalogCsv('topic_id\n"open\n')).toEqual({
      ok: false,
      issues: [{ code: 'invalid_field', message: 'a quoted cell opened on line 2 is never closed' }],
    });
    expect(parseCatalogCsv('')).toEqual({
      ok: false,
      issues: [{ code: 'invalid_field', message: 'empty CSV: expected a header row' }],
    });
  });

  it('a negative weight parses as a number so validation names the rule', () => {
    const r = parseCatalogCsv('topic_id,exam_weight,estimated_hours\na,-1,-0.5\n');
    expect(r).toEqual({ ok: true, topics: [{ topicId: 'a', examWeight: -1, estimatedHours: -0.5 }] });
    expect(r.ok && issuesOf(r.topics).map((i) => i.code)).toEqual(['weight_out_of_range', 'negative_hours']);
  });
});

describe('catalogView', () => {
  const r = validateCatalog(algebra);
  if (!r.ok) throw new Error('fixture');
  const view = catalogView({ tenantId: 'acme', version: 3, deleted: false, digest: r.digest, topics: r.topics });

  it('prerequisite impact = share of the tenant topics listing the topic as a prerequisite', () => {
    // 4 topics; algebra is a prerequisite of equations and graphs → 2/4; equations of graphs → 1/4.
    expect(view.topic('algebra').prerequisiteImpact).toBe(0.5);
    expect(view.topic('algebra').dependents).toEqual(['equations', 'graphs']);
    expect(view.topic('equations').prerequisiteImpact).toBe(0.25);
    expect(view.topic('graphs').prerequisiteImpact).toBe(0);
    expect(view.topic('algebra').examWeightNorm).toBe(0.8);
    expect(view.topic('equations').estimatedHours).toBe(4.5);
    expect(view.topic('equations').known).toBe(true);
  });

  it('an unknown topic gets the defaults: weight 0, no prerequisites, 0 hours', () => {
    expect(view.topic('trigonometry')).toEqual(unknownTopic('trigonometry'));
    expect(view.topic('trigonometry')).toMatchObject({
      known: false,
      examWeight: 0,
      examWeightNorm: 0,
      prerequisites: [],
      prerequisiteImpact: 0,
      estimatedHours: 0,
    });
    expect(catalogView(emptyCatalog('acme')).topic('constructor').known).toBe(false);
  });

  it('exam topics with their sections and weights', () => {
    expect(view.examTopics('sat').map((t) => [t.topicId, t.examSection, t.examWeight])).toEqual([
      ['algebra', null, 8],
      ['equations', 'math-no-calc', 6],
    ]);
    expect(view.examTopics('act')).toEqual([]);
  });
});

describe('catalog topic records (Avro)', () => {
  const valid = validateCatalog(algebra);
  if (!valid.ok) throw new Error('fixture');
  const key = Buffer.from('acme');

  it('round-trips a catalog: single-object header with the frozen fingerprint of topic_catalog.v1', () => {
    const value = encodeCatalogValue({ tenantId: 'acme', version: 7, topics: valid.topics });
    expect(value.subarray(0, 10).toString('hex')).toBe('c30134bb3464cbd05cc1');
    expect(decodeCatalogRecord(key, value)).toEqual({
      ok: true,
      kind: 'upsert',
      tenantId: 'acme',
      version: 7,
      topics: valid.topics,
      digest: valid.digest,
    });
  });

  it('a null value is a tombstone: delete the tenant catalog', () => {
    expect(decodeCatalogRecord(key, null)).toEqual({ ok: true, kind: 'delete', tenantId: 'acme' });
  });

  it('rejects a missing or bad key, a key of another tenant, version 0, an invalid catalog, garbage', () => {
    const value = encodeCatalogValue({ tenantId: 'acme', version: 7, topics: valid.topics });
    expect(decodeCatalogRecord(null, value)).toMatchObject({ ok: false, reason: 'invalid_key' });
    expect(decodeCatalogRecord(Buffer.from('a b'), value)).toMatchObject({ ok: false, reason: 'invalid_key' });
    expect(decodeCatalogRecord(Buffer.from('globex'), value)).toMatchObject({
      ok: false,
      reason: 'invalid_key',
      field: 'tenant_id',
      message: 'key globex but the record is of tenant acme',
    });
    const zero = encodeCatalogValue({ tenantId: 'acme', version: 0, topics: [] });
    expect(decodeCatalogRecord(key, zero)).toMatchObject({ ok: false, reason: 'out_of_range', field: 'version' });
    const cyclic = encodeCatalogValue({
      tenantId: 'acme',
      version: 8,
      topics: [
        { ...unknownTopic('a'), prerequisites: ['b'] },
        { ...unknownTopic('b'), prerequisites: ['a'], examWeight: 12 },
      ],
    });
    expect(decodeCatalogRecord(key, cyclic)).toMatchObject({
      ok: false,
      reason: 'invalid_catalog',
      field: 'topics.1.examWeight',
      message: 'weight_out_of_range: examWeight 12 is outside 0..10',
    });
    expect(decodeCatalogRecord(key, Buffer.from('{"topics":[]}'))).toMatchObject({
      ok: false,
      reason: 'unknown_format',
    });
    expect(decodeCatalogRecord(key, value.subarray(0, value.length - 3))).toMatchObject({
      ok: false,
      reason: 'truncated',
    });
  });
});
