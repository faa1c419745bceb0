export {
  TokenStore,
  type TokenSharing,
  type TokenUsage,
  type TokenStoreOptions,
  looksLikeToken,
  describeToken,
  type TokenRecord,
  type TokenInfo,
  type TokenScope,
  type TokenCheck,
} from "./token-store.js";
export { scopeAllows, parseScope } from "./scope.js";
