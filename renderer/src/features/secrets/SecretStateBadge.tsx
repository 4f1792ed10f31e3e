// Set or not set, in a word and an icon, never only a colour; and where a set one is read from.
import type { SecretStatus } from '../../../../shared/model';

export function SecretStateBadge({ secret }: { secret: SecretStatus }) {
  return secret.set ? (
    <span className="badge badge-ok" data-testid={`secret-state-${secret.name}`}>
      ✓ set
    </span>
  ) : (
    <span className="badge badge-warn" data-testid={`secret-state-${secret.name}`}>
      ! not set
    </span>
  );
}

export function sourceText(secret: SecretStatus): string {
  if (!secret.set) return `not set: a deploy stops before it starts anything (in CI: ${secret.envVar})`;
  if (secret.source === 'environment')
    return `from ${secret.where}, set for this Flipdeck process (it overrides a stored value)`;
  return `from ${secret.where}`;
}
