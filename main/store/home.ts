// One home directory for all local state, the same for the app and the CLI.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function defaultHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  homedir = os.homedir(),
): string {
  if (env.FLIPDECK_HOME) return path.resolve(env.FLIPDECK_HOME);
  if (platform === 'darwin') return path.join(homedir, 'Library', 'Application Support', 'Flipdeck');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(homedir, 'AppData', 'Roaming'), 'Flipdeck');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(homedir, '.config'), 'flipdeck');
}

/** The home directory, created (0700: it holds the audit log and encrypted secrets) when missing. */
export function resolveHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const home = defaultHome(env, platform);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}
