// `npm run host`: serves the built renderer to a browser on 127.0.0.1 and prints the address.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { createHostServices } from '../services';
import { startBrowserHost } from './server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const rendererDir = process.env.FLIPDECK_RENDERER_DIR ?? path.join(root, 'out', 'renderer');
if (!existsSync(path.join(rendererDir, 'index.html'))) {
  console.error(`no built renderer in ${rendererDir}: run \`npm run build\` first`);
  process.exit(1);
}
const services = await createHostServices({ transport: 'browser' });
for (const w of services.warnings) console.error(`warning: ${w}`);
const host = await startBrowserHost({ services, rendererDir, port: Number(process.env.FLIPDECK_HOST_PORT ?? 0) });
console.log(
  `Flipdeck is served at:\n\n  ${host.url}\n\nOpen it in Chromium or Firefox on this machine (it listens on 127.0.0.1 only). The part after # is this run's key: the tab keeps it, so reloads work; a new tab needs this address again. Ctrl-C stops it.`,
);
const stop = async () => {
  await host.close();
  await services.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
