/**
 * The token's side of the SyncHost contract (firmware/sync/host.ts), handed to syncStart().
 * Every call maps onto the app (token.ts); nothing here is reachable over the air except
 * through the authenticated sync service.
 */
import { fromHex, toHex } from "../../common/bytes";
import { BOARD } from "../board";
import { SyncHost, TokenStatus } from "../sync/host";
import { keysList } from "./keys";
import { healthErrors } from "./health";
import {
  clockValid, tokenAlert, tokenAskConsent, tokenBattery, tokenDecommission, tokenEraseAll, tokenFirstDay,
  tokenHold, tokenPaused, tokenReadLog, tokenSecret, tokenSetAlert, tokenSetClock, tokenSetScan,
  tokenSetSecret, tokenStorage,
} from "./token";

export const syncHost: SyncHost = {
  status: function (): TokenStatus {
    const s = tokenStorage();
    return {
      firmwareVersion: OMAMORI_VERSION,
      board: BOARD.id,
      batteryPercent: tokenBattery(),
      clockSeconds: Math.floor(getTime()),
      clockValid: clockValid(),
      storageUsedBytes: s.used,
      storageFreeBytes: s.free,
      recordsKept: s.records,
      recordsDropped: s.dropped,
      firstDay: tokenFirstDay(),
      paused: tokenPaused(),
      alert: tokenAlert(),
      errorCount: healthErrors().count,
    };
  },
  setClock: tokenSetClock,
  readLog: tokenReadLog,
  dailyKeys: keysList,
  askConsent: tokenAskConsent,
  setAlert: tokenSetAlert,
  eraseAll: tokenEraseAll,
  decommission: tokenDecommission,
  setScanSettings: tokenSetScan,
  secret: function () {
    const x = tokenSecret();
    return x ? fromHex(x) : null;
  },
  setSecret: function (s: Uint8Array | null) {
    tokenSetSecret(s ? toHex(s) : "");
  },
  holdAdvertising: tokenHold,
};
