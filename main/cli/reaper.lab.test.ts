// The end of the keep window against the lab: the kept pool is removed (by `flipdeck gc`, as the app
// does while open), rollback then redeploys the previous image, and images beyond the last 3 are pruned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceDir } from '../../e2e/lab/lab-deploy';
import { L, applyEnv, cleanEnv, cli, labDocker, labHome, status } from '../../e2e/lab/lab-cli';

const ENV = 'reaptest';
const PORT = 18_650;
let work = '';
const images = async () =>
  (await labDocker.listImages({ filters: { reference: [`flipdeck/${ENV}:*`] } })).flatMap((i) => i.RepoTags ?? []);
const webPools = async () =>
  (
    await labDocker.listContainers({
      all: true,
      filters: { label: [`io.flipdeck.environment=${ENV}`, 'io.flipdeck.role=web'] },
    })
  )
    .map((c) => c.Labels['io.flipdeck.pool'])
    .sort();

beforeAll(async () => {
  await cleanEnv(ENV);
  for (const tag of await images())
    await labDocker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  work = await labHome('reaper');
}, 60_000);
afterAll(() => cleanEnv(ENV), 60_000);

describe('keep window and pruning', () => {
  it('keeps the last 3 images, removes the kept pool once its window is over, and rollback then redeploys', async () => {
    for (let v = 1; v <= 5; v++) {
      // A keep window longer than a deploy's tail (drain, counters, cron handover), so the last
      // deploy still has its kept pool when it ends.
      await applyEnv(work, ENV, PORT, sourceDir(L, `k${v}`), ['keep_window: 12s']);
      const r = await cli(['deploy', `lab/${ENV}`]);
      expect(r.code, r.err).toBe(0);
    }
    const tags = await images();
    expect(tags).toHaveLength(3);
    const s = await status(ENV);
    expect(tags).toContain(s.workers.find((w) => w.pool === s.live)!.image);
    expect(await webPools()).toEqual(['blue', 'blue', 'green', 'green']);

    await new Promise((r) => setTimeout(r, 12_500));
    const gc = await cli(['gc', `lab/${ENV}`, '--json']);
    expect(gc.code, gc.err).toBe(0);
    const kept = s.live === 'blue' ? 'green' : 'blue';
    expect(JSON.parse(gc.out)).toMatchObject({ removedPool: kept });
    expect(await webPools()).toEqual([s.live, s.live]);
    const audit = JSON.parse((await cli(['audit', '--json'])).out) as {
      records: { action: string; argv?: string[] }[];
    };
    expect(audit.records.filter((a) => a.action === 'docker.image.remove').length).toBeGreaterThanOrEqual(2);

    const back = await cli(['rollback', `lab/${ENV}`]);
    expect(back.code, back.err).toBe(0);
    expect(back.err).toMatch(/keep window is over: redeploying the previous image/);
    expect((await status(ENV)).live).toBe(kept);
  }, 300_000);
});
