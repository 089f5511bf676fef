/**
 * The board this firmware file was built for: the only reader of the build-time OMAMORI_BOARD
 * constant (docs/FIRMWARE-BUILD.md, "Board facts"). Everything else imports BOARD from here.
 */
export type BoardFacts = typeof OMAMORI_BOARD;

export const BOARD: BoardFacts = OMAMORI_BOARD;
