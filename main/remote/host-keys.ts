// Host-key pinning. First contact: refuse and report the fingerprint (or accept it when the caller
// said so, reporting it for pinning). A pinned key that differs is a hard refusal carrying both
// fingerprints, and no option turns that off.
import { createHash } from 'node:crypto';
import type { SshHop } from '../../shared/model';
import { FlipdeckError } from '../../shared/errors';

export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm named at the start of an SSH wire-format public key. */
export function keyAlgorithm(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return len > 0 && len < 64 && key.length >= 4 + len ? key.subarray(4, 4 + len).toString('ascii') : 'unknown';
}

export interface HostKeyCheck {
  /** What was presented, once the verifier ran. */
  presented?: { fingerprint: string; algorithm: string };
  /** Why the key was refused, as the error connect() throws. */
  refusal?: FlipdeckError;
}

export function hostVerifier(
  o: { pinned?: string | undefined; acceptNew?: boolean | undefined; hop: SshHop; host: string },
  check: HostKeyCheck,
): (key: Buffer) => boolean {
  return (key: Buffer) => {
    const fingerprint = fingerprintSha256(key);
    const algorithm = keyAlgorithm(key);
    check.presented = { fingerprint, algorithm };
    const where = o.hop === 'jump' ? `the jump host ${o.host}` : o.host;
    if (o.pinned) {
      if (o.pinned === fingerprint) return true;
      check.refusal = new FlipdeckError(
        'host_key_changed',
        `the host key of ${where} has CHANGED: pinned ${o.pinned}, presented ${fingerprint}. This can be a machine reinstall or a man-in-the-middle; Flipdeck will not connect`,
        {
          fix: "confirm the new key with the server's administrator out of band, then edit the server and pin the new fingerprint",
          detail: { pinned: o.pinned, presented: fingerprint, algorithm, hop: o.hop },
        },
      );
      return false;
    }
    if (o.acceptNew) return true;
    check.refusal = new FlipdeckError(
      'host_key_unknown',
      `first contact with ${where}: its host key is ${algorithm} ${fingerprint}`,
      {
        fix: "compare the fingerprint with the server's (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and trust it, or pin it with --host-key",
        detail: { fingerprint, algorithm, hop: o.hop },
      },
    );
    return false;
  };
}
