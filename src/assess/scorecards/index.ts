/**
 * Scorecards as code (issue #8): the Scorecard format and its load-time checks, the facts view checks read,
 * evaluation through the policy engine, the built-in scorecards and rollups per team, system or domain. Pure apart
 * from reading the built-in files; storage, exemption look-up, the API, CLI and portal are wired elsewhere.
 */
export * from './types.js';
export { parseScorecards, MAX_SCORECARD_FILE_BYTES } from './parseScorecards.js';
export { evaluateScorecard, scorecardApplies, scorecardPolicies, scorecardPolicyName, type EvaluateScorecardOptions } from './evaluateScorecard.js';
export { rollupScorecards } from './rollupScorecards.js';
export { scorecardFactsOf, scorecardDoraOf } from './facts.js';
export { builtInScorecards, BUILT_IN_SCORECARDS, BUILT_IN_SCORECARDS_DIR, type BuiltInScorecard } from './builtInScorecards.js';
