import { describe, expect, it } from 'vitest';
import { cpusFlag, memoryFlag } from './deploy';
import { parseJump, portFlag } from './server';

// CLI flags are read with the contract's rules, and the message names the flag and the range.
describe('CLI flags (issue 14, point 5)', () => {
  it('reads ports as decimal digits only', () => {
    expect(portFlag('--port', '2222')).toBe(2222);
    expect(() => portFlag('--port', '0x16')).toThrow(
      '--port must be a port number written in decimal digits (1 to 5 of them), 1–65535; got "0x16"',
    );
    expect(() => portFlag('--port', '65536')).toThrow('--port must be a port number in 1–65535; got "65536"');
    expect(() => portFlag('--port', '')).toThrow(/--port must be a port number written in decimal digits/);
    expect(parseJump('me@bastion:2200')).toEqual({ user: 'me', host: 'bastion', port: 2200 });
    expect(() => parseJump('me@bastion:0x16')).toThrow(/--jump port must be a port number written in decimal/);
  });

  it('reads --cpus within what Docker accepts', () => {
    expect(cpusFlag('1.5')).toBe(1.5);
    expect(() => cpusFlag('0x2')).toThrow(/--cpus must be a decimal number of CPUs from 0\.01 to 256, got "0x2"/);
    expect(() => cpusFlag('1e2')).toThrow(/--cpus must be a decimal number of CPUs from 0\.01 to 256/);
    expect(() => cpusFlag('0.001')).toThrow(/--cpus must be a number of CPUs from 0\.01 to 256/);
    expect(() => cpusFlag('300')).toThrow(/--cpus must be a number of CPUs from 0\.01 to 256/);
  });

  it('reads --memory / --memory-swap within what Docker accepts', () => {
    expect(memoryFlag('--memory', '2g', 'memory')).toBe(2 * 1024 ** 3);
    expect(() => memoryFlag('--memory', '4m', 'memory')).toThrow(
      /--memory must be 6m to 1024g \(what Docker accepts\)/,
    );
    expect(() => memoryFlag('--memory', '2000g', 'memory')).toThrow(/--memory must be 6m to 1024g/);
    expect(() => memoryFlag('--memory-swap', '3000g', 'memory_swap')).toThrow(/--memory-swap must be 6m to 2048g/);
    expect(() => memoryFlag('--memory', 'lots', 'memory')).toThrow(
      /--memory: cannot read "lots" as a size.*6m to 1024g/,
    );
  });
});
