// What a Dockerfile builds on. One reader for the build step (which pulls the base image fresh) and
// the pre-flight (which compares it with the registry): the image the *final* stage starts from,
// following stage names (`FROM base AS app` … `FROM app`) back to an image.

export interface FromLine {
  image: string;
  stage: string | null;
}

export function fromLines(dockerfile: string): FromLine[] {
  return [...dockerfile.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({
    image: m[1]!,
    stage: m[2]?.toLowerCase() ?? null,
  }));
}

/** The image the final stage builds on, when it is a plain reference (no build argument, not scratch). */
export function baseImageOf(dockerfile: string): string | null {
  const froms = fromLines(dockerfile);
  let at = froms.length - 1;
  let image = froms[at]?.image;
  // A stage name refers to an earlier stage: follow it to the image that stage starts from.
  for (let hops = 0; image && hops < froms.length; hops++) {
    const earlier = froms.slice(0, at).findLastIndex((f) => f.stage === image!.toLowerCase());
    if (earlier < 0) break;
    at = earlier;
    image = froms[at]!.image;
  }
  return image && !image.includes('$') && image.toLowerCase() !== 'scratch' ? image : null;
}

export interface CopyLine {
  /** As written, relative to the build context. */
  sources: string[];
  dest: string;
}

/** The COPY/ADD lines that copy from the build context (not `--from=` another stage or image). */
export function copyLines(dockerfile: string): CopyLine[] {
  const out: CopyLine[] = [];
  for (const m of dockerfile.replace(/\\\r?\n/g, ' ').matchAll(/^\s*(?:COPY|ADD)\s+(.+)$/gim)) {
    let rest = m[1]!.trim();
    const flags = /^(?:--\S+\s+)*/.exec(rest)![0];
    if (/--from=/i.test(flags)) continue;
    rest = rest.slice(flags.length);
    let args: string[];
    try {
      args = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
    } catch {
      continue;
    }
    if (args.length >= 2) out.push({ sources: args.slice(0, -1), dest: args[args.length - 1]! });
  }
  return out;
}
