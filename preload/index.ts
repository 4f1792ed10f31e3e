// The preload: exposes the one typed transport of shared/api.ts on window.flipdeck. Raw
// ipcRenderer lives here and nowhere else; the renderer never sees it.
import { contextBridge, ipcRenderer } from 'electron';
import type { CallResult, Transport } from '../shared/api';

const transport: Transport = {
  invoke: (channel, request) => ipcRenderer.invoke(`flipdeck:${channel}`, request) as Promise<CallResult<unknown>>,
  subscribe(event, listener) {
    const handler = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on('flipdeck:event', handler);
    return () => ipcRenderer.off('flipdeck:event', handler);
  },
};

contextBridge.exposeInMainWorld('flipdeck', transport);
