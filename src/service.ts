// The one thing the twin modules (test/twins.test.ts) may differ in: whose logs and spans they are.
export const SERVICE_NAME = 'formgate';
