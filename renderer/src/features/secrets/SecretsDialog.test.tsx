// @vitest-environment jsdom
// The secrets screen as a user meets it: set/unset in words, a value typed, sent once and cleared,
// never rendered back; a remove that asks first; an error with its fix.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { SecretStatus } from '../../../../shared/model';
import { installFakeHost } from '../../testing/fake-host';
import { SecretsDialog } from './SecretsDialog';

afterEach(cleanup);

const VALUE = 'typed-smtp-password';

function fakeSecrets() {
  const stored = new Set<string>();
  const sent: unknown[] = [];
  const status = (name: string, usedBy: string[] = []): SecretStatus => ({
    name,
    set: stored.has(name),
    source: stored.has(name) ? 'local-store' : null,
    where: stored.has(name) ? 'the local secret store' : null,
    usedBy,
    envVar: `FLIPDECK_SECRET_${name.toUpperCase()}`,
  });
  const host = installFakeHost({
    'secrets.list': () => [status('smtp_pw', ['env SMTP_PASSWORD']), status('extdb_pw', ['db.password'])],
    'secrets.set': (r) => {
      sent.push(r);
      const { name } = r as { name: string };
      stored.add(name);
      return status(name);
    },
    'secrets.remove': (r) => {
      stored.delete((r as { name: string }).name);
      return status((r as { name: string }).name);
    },
  });
  return { host, sent };
}

describe('SecretsDialog', () => {
  it('sets a secret: the value goes to main once, the field is cleared, the badge says set, the value is never shown', async () => {
    const { host, sent } = fakeSecrets();
    render(<SecretsDialog server="lab" env="shop" onClose={() => undefined} />);
    const row = await screen.findByTestId('secret-smtp_pw');
    expect(within(row).getByTestId('secret-state-smtp_pw').textContent).toContain('not set');
    expect(row.textContent).toContain('env SMTP_PASSWORD');

    const input = within(row).getByLabelText('Value for smtp_pw') as HTMLInputElement;
    expect(input.type).toBe('password');
    fireEvent.change(input, { target: { value: VALUE } });
    fireEvent.click(within(row).getByRole('button', { name: 'Set smtp_pw' }));
    expect(input.value).toBe('');
    await waitFor(() => expect(within(row).getByTestId('secret-state-smtp_pw').textContent).toContain('set'));
    expect(within(row).getByTestId('secret-state-smtp_pw').textContent).not.toContain('not');
    expect(sent).toEqual([{ name: 'smtp_pw', value: VALUE }]);
    expect(document.body.innerHTML).not.toContain(VALUE);
    expect(within(row).getByLabelText('New value for smtp_pw')).toBeTruthy();
    host.uninstall();
  });

  it('refuses a value too short to redact before sending it', async () => {
    const { host, sent } = fakeSecrets();
    render(<SecretsDialog server="lab" env="shop" onClose={() => undefined} />);
    const row = await screen.findByTestId('secret-extdb_pw');
    fireEvent.change(within(row).getByLabelText('Value for extdb_pw'), { target: { value: 'short' } });
    fireEvent.click(within(row).getByRole('button', { name: 'Set extdb_pw' }));
    expect(within(row).getByRole('alert').textContent).toMatch(/At least 8 characters/);
    expect(sent).toEqual([]);
    host.uninstall();
  });

  it('remove asks once, naming what a deploy then does, and shows an error with its fix', async () => {
    const { host } = fakeSecrets();
    render(<SecretsDialog server="lab" env="shop" onClose={() => undefined} />);
    let row = await screen.findByTestId('secret-smtp_pw');
    fireEvent.change(within(row).getByLabelText('Value for smtp_pw'), { target: { value: VALUE } });
    fireEvent.click(within(row).getByRole('button', { name: 'Set smtp_pw' }));
    fireEvent.click(await within(row).findByRole('button', { name: 'Remove smtp_pw…' }));
    const confirm = within(row).getByRole('group', { name: 'Remove smtp_pw?' });
    expect(confirm.textContent).toMatch(/stops before it starts anything/);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Remove smtp_pw' }));
    await waitFor(() => expect(within(row).getByTestId('secret-state-smtp_pw').textContent).toContain('not set'));
    host.uninstall();

    installFakeHost({
      'secrets.list': () => [
        { name: 'smtp_pw', set: false, source: null, where: null, usedBy: [], envVar: 'FLIPDECK_SECRET_SMTP_PW' },
      ],
    });
    cleanup();
    render(<SecretsDialog server="lab" env="shop" onClose={() => undefined} />);
    row = await screen.findByTestId('secret-smtp_pw');
    fireEvent.change(within(row).getByLabelText('Value for smtp_pw'), { target: { value: VALUE } });
    fireEvent.click(within(row).getByRole('button', { name: 'Set smtp_pw' }));
    // The fake host has no answer for secrets.set: the error and its text are shown.
    expect((await within(row).findByRole('alert')).textContent).toContain('no answer for secrets.set');
  });
});
