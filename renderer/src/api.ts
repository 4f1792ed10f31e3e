// The renderer's one way to main: the typed api over whichever transport the page was given.
import { createApi, type FlipdeckApi } from '../../shared/api';

export function getApi(): FlipdeckApi {
  const transport = window.flipdeck;
  if (!transport) throw new Error('Flipdeck was opened without its host (no window.flipdeck)');
  return createApi(transport);
}

export const api: FlipdeckApi = {
  call: (channel, request) => getApi().call(channel, request),
  on: (event, listener) => getApi().on(event, listener),
};
