// npm run lab:up | lab:down
import { labDown, labUp } from './lab';

const verb = process.argv[2];
try {
  if (verb === 'up') {
    const state = await labUp();
    console.log(JSON.stringify(state, null, 2));
  } else if (verb === 'down') {
    await labDown();
    console.log('lab: down');
  } else {
    console.error('usage: tsx e2e/lab/cli.ts up|down');
    process.exit(2);
  }
} catch (err) {
  console.error(`lab ${verb} failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
