// CSV form of a topic catalog upload (`Content-Type: text/csv`): RFC 4180
// (quotes, doubled quotes, CRLF or LF), a header row naming the columns, one
// topic per row, prerequisites as a `;`-separated list. Only the known columns
// become fields, under fixed names, so no cell or header can become control
// (no `__proto__` keys, nothing reaches SQL); the result goes through the same
// `validateCatalog` as a JSON upload.
import type { CatalogIssue } from './validate.js';

/** CSV column → upload field, in the documented order. */
export const catalogCsvColumns = {
  topic_id: 'topicId',
  name: 'name',
  parent_id: 'parentId',
  exam_weight: 'examWeight',
  prerequisites: 'prerequisites',
  estimated_hours: 'estimatedHours',
  exam_id: 'examId',
  exam_section: 'examSection',
} as const;

type Column = keyof typeof catalogCsvColumns;

const numericColumns: ReadonlySet<Column> = new Set(['exam_weight', 'estimated_hours']);
const decimal = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export type CatalogCsvResult = { ok: true; topics: Record<string, unknown>[] } | { ok: false; issues: CatalogIssue[] };

/** Parses the CSV text into raw topics (field names as in the JSON upload). */
export function parseCatalogCsv(text: string): CatalogCsvResult {
  const rows = readRows(text.startsWith('\uFEFF') ? text.slice(1) : text);
  if (!rows.ok) return { ok: false, issues: [{ code: 'invalid_field', message: rows.message }] };
  const [header, ...data] = rows.rows;
  if (!header) return { ok: false, issues: [{ code: 'invalid_field', message: 'empty CSV: expected a header row' }] };
  const columns: Column[] = [];
  const issues: CatalogIssue[] = [];
  for (const name of header) {
    const column = name.trim().toLowerCase();
    if (!Object.hasOwn(catalogCsvColumns, column)) {
      issues.push({
        code: 'invalid_field',
        field: name,
        message: `unknown column ${JSON.stringify(name)}; columns: ${Object.keys(catalogCsvColumns).join(', ')}`,
      });
    } else if (columns.includes(column as Column)) {
      issues.push({ code: 'invalid_field', field: column, message: `column ${column} appears twice` });
    }
    columns.push(column as Column);
  }
  if (!columns.includes('topic_id')) {
    issues.push({ code: 'invalid_field', field: 'topic_id', message: 'the header must name a topic_id column' });
  }
  if (issues.length > 0) return { ok: false, issues };
  const topics: Record<string, unknown>[] = [];
  data.forEach((cells, index) => {
    if (cells.length !== columns.length) {
      issues.push({
        code: 'invalid_field',
        index,
        message: `row ${index + 2} has ${cells.length} cells, the header ${columns.length}`,
      });
      return;
    }
    // No prototype: the keys are the catalog's field names, and no cell can reach Object.prototype.
    const topic = Object.create(null) as Record<string, unknown>;
    columns.forEach((column, i) => {
      const cell = (cells[i] as string).trim();
      if (cell === '') return;
      const field = catalogCsvColumns[column];
      if (column === 'prerequisites') {
        topic[field] = cell
          .split(';')
          .map((p) => p.trim())
          .filter(Boolean);
      } else if (numericColumns.has(column)) {
        if (decimal.test(cell)) topic[field] = Number(cell);
        else {
          issues.push({
            code: 'invalid_field',
            index,
            field,
            message: `row ${index + 2}: ${column} ${JSON.stringify(cell.slice(0, 40))} is not a number`,
          });
        }
      } else {
        topic[field] = cell;
      }
    });
    topics.push(topic);
  });
  return issues.length > 0 ? { ok: false, issues: issues.slice(0, 100) } : { ok: true, topics };
}

/** Splits CSV text into rows of cells; blank lines are skipped. */
function readRows(text: string): { ok: true; rows: string[][] } | { ok: false; message: string } {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let cellStartedQuoted = false;
  let quoteLine = 1;
  const endRow = () => {
    row.push(cell);
    if (!(row.length === 1 && row[0] === '' && !cellStartedQuoted)) rows.push(row);
    row = [];
    cell = '';
    cellStartedQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') {
      quoted = true;
      cellStartedQuoted = true;
      quoteLine = line;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
      cellStartedQuoted = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
    } else {
      cell += ch;
    }
  }
  if (quoted) return { ok: false, message: `a quoted cell opened on line ${quoteLine} is never closed` };
  if (cell !== '' || row.length > 0 || cellStartedQuoted) endRow();
  return { ok: true, rows };
}
