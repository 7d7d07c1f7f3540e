// Test support for operators and anything downstream of them: the operator
// test driver and event builders. Public, so other layers' tests can use them.
export {
  activityEvent,
  contentInteractionEvent,
  type EventBasics,
  iepGoalProgressEvent,
  questionAttemptEvent,
} from './events.js';
export { OperatorTestDriver, type OperatorTestDriverOptions } from './operator-test-driver.js';
