// The one rule that turns pre-flight results into go / no-go, for every caller (CLI, wizard, and the
// host when it enforces it). A failure refuses; a warning needs the operator's explicit acceptance.
// A live lock is not judged here: the deploy itself takes the lock and refuses with the holder's name.
import type { PreflightCheck } from './deploy';

export type GateVerdict =
  | { go: true; warnings: PreflightCheck[] }
  | { go: false; reason: 'failed'; failed: PreflightCheck[]; warnings: PreflightCheck[] }
  | { go: false; reason: 'warnings_not_accepted'; warnings: PreflightCheck[] };

export function preflightGate(checks: PreflightCheck[], o: { acceptWarnings: boolean }): GateVerdict {
  const failed = checks.filter((c) => c.status === 'fail' && c.id !== 'lock');
  const warnings = checks.filter((c) => c.status === 'warn');
  if (failed.length > 0) return { go: false, reason: 'failed', failed, warnings };
  if (warnings.length > 0 && !o.acceptWarnings) return { go: false, reason: 'warnings_not_accepted', warnings };
  return { go: true, warnings };
}

/** The modules check says this deploy updates the database (the wizard then offers the update mode). */
export function isSchemaChanging(checks: PreflightCheck[]): boolean {
  return checks.some((c) => c.id === 'modules' && /schema-changing/.test(c.message));
}
