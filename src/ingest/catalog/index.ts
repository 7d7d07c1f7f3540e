// Public surface of the topic catalog's input side: the model with its
// defaults, validation, the CSV form, the Avro codec and the catalog topic's source.

export {
  type CatalogApplyResult,
  type CatalogRecordOrigin,
  type CatalogSource,
  type CatalogSourceOptions,
  createCatalogSource,
} from './catalog-source.js';
export {
  type CatalogRecordInput,
  type CatalogUpdate,
  decodeCatalogRecord,
  encodeCatalogValue,
  tenantIdPattern,
} from './codec.js';
export { type CatalogCsvResult, catalogCsvColumns, parseCatalogCsv } from './csv.js';
export {
  type CatalogTopic,
  type CatalogView,
  catalogView,
  emptyCatalog,
  maxExamWeight,
  type TopicCatalog,
  type TopicInfo,
  unknownTopic,
} from './model.js';
export {
  type CatalogIssue,
  type CatalogIssueCode,
  type CatalogLimits,
  type CatalogValidation,
  catalogDigest,
  catalogIssueCodes,
  defaultCatalogLimits,
  maxEstimatedHours,
  topicIdPattern,
  validateCatalog,
} from './validate.js';
