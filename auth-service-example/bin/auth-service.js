#!/usr/bin/env node
// `auth-service`: the sources through tsx in a checkout, the compiled dist/ elsewhere (run-entry.js says why).
import { runEntry } from './run-entry.js';

await runEntry('cli');
