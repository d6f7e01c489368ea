#!/usr/bin/env node
// `npm start`: the example identity service and Formgate together (src/start-dev.ts), from the sources.
import { runEntry } from './run-entry.js';

await runEntry('start-dev');
