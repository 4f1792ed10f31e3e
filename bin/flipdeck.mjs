#!/usr/bin/env node
// `npx flipdeck …` in a fresh clone right after `npm ci`: run the TypeScript CLI through tsx,
// so there is no build step between checkout and a CI pipeline's first deploy.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
