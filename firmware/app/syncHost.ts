/**
 * The token's side of the SyncHost contract (firmware/sync/host.ts), handed to syncStart().
 * Every call maps onto the app (token.ts); nothing here is reachable over the air except
 * through the authenticated sync service.
 */
import { SyncHost } from "../sync/host";
import { advertiseHold } from "./advertiser";
import { keysList } from "./keys";
import {
  tokenAskConsent, tokenDecommission, tokenEraseAll, tokenReadLog, tokenSecret, tokenSetAlert, tokenSetClock,
  tokenSetScan, tokenSetSecret, tokenStatus,
} from "./token";

export const syncHost: SyncHost = {
  status: tokenStatus,
  setClock: tokenSetClock,
  readLog: tokenReadLog,
  dailyKeys: keysList,
  askConsent: tokenAskConsent,
  setAlert: tokenSetAlert,
  eraseAll: tokenEraseAll,
  decommission: tokenDecommission,
  setScanSettings: tokenSetScan,
  secret: tokenSecret,
  setSecret: tokenSetSecret,
  holdAdvertising: advertiseHold,
};
