// A store's event subscriptions, owned by the store: opened once, on the first action that needs
// them, and closed by dispose() so tests and hot reloads do not leave listeners behind (each one
// would otherwise fold every later event into a store nobody reads, or fold it twice).
export interface Subscriptions {
  /** Opens the subscriptions unless they are open already. */
  ensure(): void;
  /** Closes them; the next ensure() opens them again. */
  dispose(): void;
}

/** `open` subscribes and returns the disposers that api.on gave it. */
export function ownedSubscriptions(open: () => (() => void)[]): Subscriptions {
  let disposers: (() => void)[] | null = null;
  return {
    ensure() {
      disposers ??= open();
    },
    dispose() {
      for (const off of disposers ?? []) off();
      disposers = null;
    },
  };
}
