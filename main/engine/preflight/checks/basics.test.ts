import { describe, expect, it } from 'vitest';
import { diskCheck } from './basics';

const GiB = 1024 ** 3;

describe('free disk pre-flight', () => {
  it('passes with room, warns when tight, fails when a build cannot fit, and warns when unknown', () => {
    expect(diskCheck('/var/lib/docker', 20 * GiB)).toMatchObject({
      status: 'pass',
      message: '20.0 GiB free under /var/lib/docker',
    });
    expect(diskCheck('/var/lib/docker', 3 * GiB)).toMatchObject({ status: 'warn' });
    const fail = diskCheck('/var/lib/docker', 0.5 * GiB);
    expect(fail).toMatchObject({ status: 'fail' });
    expect(fail.fix).toMatch(/docker system prune/);
    expect(diskCheck('/x', null)).toMatchObject({ status: 'warn', fix: expect.stringMatching(/df -h/) });
  });
});
