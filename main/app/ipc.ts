// Registers every contract channel with ipcMain: sender check first, then zod validation and the
// handler (dispatch), and forwards events to the window.
import { ipcMain, type WebContents } from 'electron';
import { channels } from '../../shared/ipc-contract';
import { dispatch } from '../host/dispatch';
import type { HostServices } from '../host/services';
import { isTrustedSender } from './security';

export const INVOKE_PREFIX = 'flipdeck:';
export const EVENT_CHANNEL = 'flipdeck:event';

export function registerIpc(services: HostServices, target: () => WebContents | null): () => void {
  for (const channel of channels) {
    ipcMain.handle(INVOKE_PREFIX + channel, async (event, payload: unknown) => {
      if (!isTrustedSender(event.senderFrame?.url)) {
        return { ok: false, error: { code: 'refused', message: 'this frame may not call Flipdeck' } };
      }
      return dispatch(services.handlers, channel, payload, { transport: 'electron' });
    });
  }
  const off = services.onEvent((name, payload) => target()?.send(EVENT_CHANNEL, name, payload));
  return () => {
    off();
    for (const channel of channels) ipcMain.removeHandler(INVOKE_PREFIX + channel);
  };
}
