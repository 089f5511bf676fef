/**
 * Sync service (issue 5): the token side of the authenticated sync protocol with the owner's laptop.
 * Stub for now so firmware/main.ts can call it; the real service follows in this module.
 */
import { SyncHost } from "./host";

export function syncStart(host: SyncHost): void {
  void host;
}
