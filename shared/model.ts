// The nouns of Flipdeck, as data. Shared by main, renderer and CLI; pure types only.

export type ClientId = string;
export type ServerId = string;

export interface Client {
  id: ClientId;
  name: string;
  tags: string[];
}

export interface JumpHost {
  host: string;
  port: number;
  user: string;
  /** Key for the jump host; falls back to the server's key / agent. */
  identityFile?: string;
  /** Pinned SHA-256 fingerprint of the jump host's key (OpenSSH form). */
  hostKey?: string;
}

/** `ssh`: reached over SSH. `local`: "This computer", its Docker socket used directly. */
export type ServerKind = 'ssh' | 'local';

export interface Server {
  id: ServerId;
  clientId: ClientId;
  name: string;
  kind: ServerKind;
  host: string;
  port: number;
  user: string;
  identityFile?: string;
  /** Name of the secret holding the key's passphrase (never the passphrase itself). */
  passphraseSecret?: string;
  useAgent: boolean;
  jump?: JumpHost;
  dockerSocket: string;
  /** Pinned host key, `SHA256:…`. Unset until first contact is accepted. */
  hostKey?: string;
  tags: string[];
}

export type NewServer = Omit<Server, 'id' | 'hostKey'> & { hostKey?: string };

export interface Inventory {
  clients: Client[];
  servers: Server[];
}

export type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected'; since: string }
  | { kind: 'reconnecting'; attempt: number; nextInMs: number; reason: string }
  | { kind: 'lost'; reason: string }
  | { kind: 'closed' };

export type ConnectOutcome =
  | { kind: 'connected'; docker: DockerEngineInfo }
  | { kind: 'host_key_unknown'; hop: SshHop; fingerprint: string; algorithm: string }
  | { kind: 'host_key_changed'; hop: SshHop; pinned: string; presented: string };

/** Which SSH hop a host key belongs to: the jump host or the server behind it. */
export type SshHop = 'server' | 'jump';

export interface DockerEngineInfo {
  version: string;
  apiVersion: string;
  os: string;
  /** False when the engine is older than Flipdeck supports. */
  supported: boolean;
}

export interface ContainerStats {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  labels: Record<string, string>;
  createdAt: string;
  stats?: ContainerStats;
}

/** Where a secret's value comes from: FLIPDECK_SECRET_<NAME>, the home's local secret store, or the app's older keychain store. */
export type SecretSource = 'environment' | 'local-store' | 'os-keychain';

/** A secret as the UI and `flipdeck secret list` see it: never its value. */
export interface SecretStatus {
  name: string;
  set: boolean;
  /** Which source a deploy would read it from now (the first that has it); null when unset. */
  source: SecretSource | null;
  /** That source in words: the variable's name, or "the local secret store". */
  where: string | null;
  /** What in the environment refers to it (`env SMTP_PASSWORD`, `db.password`); empty outside an environment. */
  usedBy: string[];
  /** The variable that would override the stored value (CI), so the UI can say a stored value is not the one used. */
  envVar: string;
}

export interface SshConfigHost {
  alias: string;
  host: string;
  port: number;
  user?: string;
  identityFile?: string;
  proxyJump?: string;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  server?: string;
  environment?: string;
  action: string;
  argv?: string[];
  exitCode?: number | null;
  durationMs?: number;
  ok: boolean;
  output?: string;
  /** Path of a side file when the output was too large to keep inline. */
  outputRef?: string;
  detail?: Record<string, unknown>;
  prev: string;
  mac: string;
}

/** One thing `audit --verify` found: what is missing or altered, by seq where it has one. */
export interface AuditProblem {
  kind: 'missing' | 'cut' | 'altered' | 'order' | 'emptied' | 'deleted' | 'head' | 'key';
  /** The first record concerned (and the last, for a range). */
  seq?: number;
  to?: number;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  records: number;
  /** First record whose MAC or link does not match, or the first one missing. */
  brokenAt?: number;
  /** A line cut short by a crash: reported, not fatal (unless it is the anchored head's record). */
  tornTail: boolean;
  message: string;
  /** Each thing found, in log order; empty when the log verifies. */
  problems?: AuditProblem[];
  /** Not a break, but worth knowing (e.g. the head was lost once and anchored again). */
  warnings?: string[];
}

export interface AppInfo {
  version: string;
  transport: 'electron' | 'browser';
  home: string;
  /** Offered as "This computer" when the inventory is empty and the socket answers. */
  localDocker: { socket: string; reachable: boolean } | null;
}

/** One server at a glance, for the fleet view: read from the server each time, never remembered. */
export interface ServerHealth {
  server: ServerId;
  reachable: boolean;
  /** The host key is unknown or changed: the fleet view asks before connecting. */
  needsTrust?: boolean;
  docker?: { version: string; supported: boolean };
  /** Load and memory of the host itself (the server's /proc; os for this computer). */
  host?: { cpus: number; load1: number; memoryTotal: number; memoryUsed: number };
  environments: {
    name: string;
    live: 'blue' | 'green' | null;
    kept: boolean;
    lastDeploy: { at: string; kind: string; outcome: string; by: string } | null;
  }[];
  error?: { code: string; message: string; fix?: string };
  checkedAt: string;
  ms: number;
}
