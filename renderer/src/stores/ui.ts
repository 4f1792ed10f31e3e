// Window-wide UI state: the theme, the command palette, and dialog requests (the palette asks an
// environment card to open its deploy wizard or rollback confirm; the card owns the dialog).
import { create } from 'zustand';

export type Theme = 'system' | 'light' | 'dark';
export type DialogRequest = { kind: 'deploy' | 'rollback' | 'restore'; server: string; env: string; nonce: number };

const THEME_KEY = 'flipdeck.theme';

export function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
}

function savedTheme(): Theme {
  const t = globalThis.localStorage?.getItem(THEME_KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

interface UiState {
  theme: Theme;
  paletteOpen: boolean;
  request: DialogRequest | null;
  setTheme(t: Theme): void;
  setPalette(open: boolean): void;
  requestDialog(kind: DialogRequest['kind'], server: string, env: string): void;
  consumeRequest(): void;
}

export const useUi = create<UiState>((set) => ({
  theme: savedTheme(),
  paletteOpen: false,
  request: null,
  setTheme(theme) {
    globalThis.localStorage?.setItem(THEME_KEY, theme);
    applyTheme(theme);
    set({ theme });
  },
  setPalette: (paletteOpen) => set({ paletteOpen }),
  requestDialog: (kind, server, env) => set({ request: { kind, server, env, nonce: Date.now() } }),
  consumeRequest: () => set({ request: null }),
}));
