// The environment a child process (git, and the ssh git starts) gets: an allow-list, never a copy of
// ours. Flipdeck's own process holds FLIPDECK_SECRET_*, FLIPDECK_AUDIT_KEY and FLIPDECK_KEY_PASSPHRASE;
// a child that inherits them can print them, log them, or hand them to a hook or a credential helper.

/** Taken from our environment as they are: what git and ssh need to find themselves, the user's files and a locale. */
const BASE = ['PATH', 'HOME', 'LANG', 'TMPDIR'];
/** Every locale category (LC_ALL, LC_CTYPE, LC_MESSAGES…). */
const LOCALE = /^LC_[A-Z_]+$/;
/**
 * Proxies, both spellings: a git source over https from a CI runner or an office network reaches the
 * git host only through them, and git reads them itself. They name the operator's proxy, which already
 * carries this very traffic.
 */
const PROXY = [
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'all_proxy',
  'no_proxy',
];
/** How git reaches ssh, when the operator chose it (a key, a known_hosts file): Flipdeck sets a default otherwise. */
const GIT_OPERATOR = ['GIT_SSH_COMMAND', 'GIT_SSH'];
/** What a Windows child needs to start at all, and to find the user's home. */
const WINDOWS = [
  'SYSTEMROOT',
  'WINDIR',
  'SYSTEMDRIVE',
  'COMSPEC',
  'PATHEXT',
  'TEMP',
  'TMP',
  'USERPROFILE',
  'HOMEDRIVE',
  'HOMEPATH',
  'APPDATA',
  'LOCALAPPDATA',
];

export interface ChildEnvOptions {
  /** Pass SSH_AUTH_SOCK: only for a child that runs ssh and may need the agent (git over ssh://). */
  sshAgent?: boolean;
  /** Variables Flipdeck sets itself for this child (GIT_TERMINAL_PROMPT…); they win over ours. */
  set?: Record<string, string>;
  platform?: string;
}

/** Builds a child's environment from `parent` (normally process.env) through the allow-list above. */
export function childEnv(parent: Record<string, string | undefined>, o: ChildEnvOptions = {}): Record<string, string> {
  const windows = (o.platform ?? 'linux') === 'win32';
  const allowed = new Set([
    ...BASE,
    ...PROXY,
    ...GIT_OPERATOR,
    ...(o.sshAgent ? ['SSH_AUTH_SOCK'] : []),
    ...(windows ? WINDOWS : []),
  ]);
  // Windows names are case-insensitive (process.env holds "Path"): compare them upper-cased there.
  const key = (name: string) => (windows ? name.toUpperCase() : name);
  const allowedKeys = new Set([...allowed].map(key));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    if (allowedKeys.has(key(name)) || LOCALE.test(key(name))) out[name] = value;
  }
  for (const [name, value] of Object.entries(o.set ?? {})) out[name] = value;
  return out;
}
