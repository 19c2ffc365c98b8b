#!/usr/bin/env node
// The CLI is TypeScript compiled to dist/: by `npm ci` in a clone (the prepare script), and shipped
// compiled in the npm package (`npm pack` runs the same build), so an install needs no TypeScript.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/harness/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('bench: the compiled CLI is missing (dist/); run "npm ci" or "npm run build" in the bench folder');
  process.exit(1);
}
await import(entry.href);
