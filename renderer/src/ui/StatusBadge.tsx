// Status is never only a colour: a dot and a word.
import type { ServerStatus } from '../stores/fleet';

export function statusWord(s: ServerStatus | undefined): {
  word: string;
  tone: 'ok' | 'busy' | 'warn' | 'bad' | 'idle';
} {
  switch (s?.kind) {
    case 'connected':
      return s.supported
        ? { word: `Docker ${s.docker}`, tone: 'ok' }
        : { word: `Docker ${s.docker} (too old)`, tone: 'warn' };
    case 'connecting':
      return { word: 'connecting…', tone: 'busy' };
    case 'needs_trust':
      return s.outcome.kind === 'host_key_changed'
        ? { word: 'host key changed', tone: 'bad' }
        : { word: 'confirm host key', tone: 'warn' };
    case 'error':
      return { word: s.error.code === 'permission_denied' ? 'no Docker rights' : 'unreachable', tone: 'bad' };
    case 'link':
      return s.state.kind === 'reconnecting'
        ? { word: `reconnecting (try ${s.state.attempt})`, tone: 'warn' }
        : { word: 'connection lost', tone: 'bad' };
    default:
      return { word: 'not checked', tone: 'idle' };
  }
}

export function StatusBadge({ status }: { status: ServerStatus | undefined }) {
  const { word, tone } = statusWord(status);
  return (
    <span className={`status status-${tone}`}>
      <span className="dot" aria-hidden="true" />
      {word}
    </span>
  );
}
