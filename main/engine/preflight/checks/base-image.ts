// Cached base images hide updates (an Odoo image's security fixes arrive under the same tag): the
// server's copy is compared with what the registry serves now. The build pulls a source's base
// image fresh anyway; a prebuilt `image:` runs as cached, so a newer one there is worth a warning.
import type { PreflightCheck } from '../../../../shared/deploy';

export interface BaseImageFacts {
  image: string;
  /** The server's copy: its id, creation date, and the registry digests it was pulled as. */
  local: { id: string; created: string; repoDigests: string[] } | null;
  /** What the registry serves for the tag now (the daemon asks it), or why it could not tell. */
  registry: { digest: string } | { error: string };
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);
const day = (iso: string) => iso.slice(0, 10);

export function baseImageCheck(f: BaseImageFacts | null, prebuilt: boolean): PreflightCheck {
  const id = 'base_image';
  if (!f) return { id, status: 'pass', message: 'no base image to check (no Dockerfile FROM with a plain reference)' };
  if (/@sha256:[0-9a-f]{64}$/.test(f.image))
    return { id, status: 'pass', message: `${f.image} is pinned by digest: a pull cannot change it` };
  const use = prebuilt ? 'the deploy runs' : 'the build uses';
  if ('error' in f.registry) {
    if (!f.local)
      return {
        id,
        status: 'fail',
        message: `${f.image} is not on the server and no registry answered for it (${f.registry.error})`,
        fix: 'check the image name, give the server access to its registry, or load the image onto the server (docker load)',
      };
    return {
      id,
      status: 'warn',
      message: `no registry answered for ${f.image} (${f.registry.error}): ${use} the server's copy from ${day(f.local.created)}, which may miss updates`,
      fix: 'give the server access to the registry, or pin the image by digest and update it deliberately',
    };
  }
  const current = f.registry.digest;
  if (!f.local)
    return {
      id,
      status: 'pass',
      message: `${f.image} is not on the server yet: ${prebuilt ? 'the deploy' : 'the build'} pulls the registry's ${short(current)}`,
    };
  if (f.local.repoDigests.some((d) => d.endsWith(`@${current}`)))
    return { id, status: 'pass', message: `the server's ${f.image} is the registry's current one (${short(current)})` };
  if (prebuilt)
    return {
      id,
      status: 'warn',
      message: `the registry has a newer ${f.image} (${short(current)}) than the server's copy from ${day(f.local.created)}: the deploy would run the cached one`,
      fix: `pull it on the server first (docker pull ${f.image}), or pin the image by digest`,
    };
  return {
    id,
    status: 'pass',
    message: `the registry has a newer ${f.image} (${short(current)}) than the server's copy from ${day(f.local.created)}: the build pulls it first`,
  };
}
