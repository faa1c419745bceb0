/**
 * Conformance harness: replays the golden HTTP transcripts recorded from Kirby 5.5.2 against Sheaf and reports,
 * step by step, where the answers differ. The format, placeholders, tolerances and deviation rules are defined in
 * the conformance README; each concern lives in its own module under ./harness/.
 */

export { pythonJsonDumps, type Json, type JsonObject } from "./harness/json.js";
export {
  applyRecordingFixups,
  impliedSleep,
  parseGoldenFile,
  stepLabel,
  type GoldenFile,
  type GoldenRequest,
  type GoldenResponse,
  type GoldenStep,
} from "./harness/golden.js";
export {
  Bindings,
  matchTemplate,
  parseTemplate,
  substitute,
  type ServerAddress,
  type TemplateContext,
} from "./harness/placeholders.js";
export { evaluateCondition, parseCondition, parseConditionList, type Condition } from "./harness/conditions.js";
export { parseDeviations, RuleFormatError, type DeviationRule, type DeviationSet } from "./harness/deviations.js";
export { AnyValue, type Expectation, type HeaderExpectation } from "./harness/expectation.js";
export {
  planScenario,
  requestMatchRoot,
  requestSessionLabels,
  type PlanOptions,
  type StepPlan,
} from "./harness/plan.js";
export { compareSetCookies, parseSetCookie, type CookieContext } from "./harness/cookies.js";
export {
  compareBody,
  compareContentType,
  compareHeaders,
  compareResponse,
  compareTokenSet,
  type CompareContext,
  type Comparison,
  type LiveResponse,
} from "./harness/compare.js";
export { encodeBody, prepareRequest, type OutgoingRequest, type PreparedRequest } from "./harness/request.js";
export {
  formatStepResult,
  replaySteps,
  summarise,
  type Outcome,
  type ReplayOptions,
  type StepResult,
  type Transport,
} from "./harness/replay.js";
export { matchesScenarioSelector, parseSelectorList } from "./harness/selectors.js";
export { sendRequest } from "./harness/http-client.js";
export { findFreePort, prepareSiteRoot, ServerProcess, stopAllServers } from "./harness/server.js";
export {
  formatScenarioResult,
  loadDeviationsFile,
  loadGoldenFile,
  planFor,
  runScenario,
  type ScenarioResult,
  type ScenarioRun,
} from "./harness/scenario.js";
