export {
  applyCollectionQuery,
  collectionQueryFrom,
  phpSlice,
  type CollectionQuery,
  type Paging,
  type QueriedCollection,
} from "./collection-query.js";
export { SearchIndex } from "./search-index.js";
export {
  DEFAULT_SEARCH_OPTIONS,
  MAX_QUERY_LENGTH,
  MAX_QUERY_WORDS,
  prepareQuery,
  scoreEntries,
  type PreparedQuery,
  type SearchEntry,
  type SearchOptions,
} from "./search-query.js";
