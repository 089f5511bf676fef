/**
 * Firmware entry (docs/ARCHITECTURE.md "Runtime contract"): runs once per boot, top to bottom,
 * and defines the one global, `Omamori`.
 */
import { BOARD } from "./board";
import { firmwareCrypto } from "./crypto/index";

Omamori = {
  version: OMAMORI_VERSION,
  board: BOARD.id,
  crypto: firmwareCrypto,
};
