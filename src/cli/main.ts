#!/usr/bin/env node
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Our errors and the SDK's carry a message written for the operator; a stack trace would bury it.
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`token-refresher: ${name}: ${message}\n`);
  process.exitCode = 1;
}
