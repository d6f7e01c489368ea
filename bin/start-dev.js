#!/usr/bin/env node
// `npm start`: the example identity service and Formgate together (src/start-dev.ts), run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/start-dev.ts');
