/**
 * Simulated GAEN phone models, as phones really are (docs/CALIBRATION.md).
 *
 * GAEN's metadata TX power is not physical dBm: it is each model's calibrated value on one common
 * scale, and each receiver has an RSSI correction, so that attenuation = TX(metadata of the sender) -
 * (RSSI + correction of the receiver) comes out the same for any pair of models at the same distance.
 * Google publishes both per Android model ("BLE attenuation computation", device list
 * en-calibration-2020-12-14.csv, CC-BY 4.0): calibrated TX from -47 to +2 dB (median about -25),
 * RSSI corrections from -29 to +23 dB (median about +4), although every Android phone advertises
 * with the same setting (AdvertiseSettings TX power LOW, -15 dBm conducted; a live Google Play
 * services phone sent -14).
 *
 * The simulator needs physical values behind them. If the table is right, every model's (TX -
 * radiated power) is one constant and so is (RSSI correction + its reporting error):
 *   GAEN_TX_SCALE_DB  = median table TX (-25) - the median phone's radiated power (-15 dBm conducted
 *                       less ~3 dB of antenna and casing: -18; the 3 dB an assumption, 0-6)   = -7
 *   GAEN_RSSI_SCALE_DB = the median RSSI correction (+4): the median phone taken as reporting the
 *                       power it receives                                                       = +4
 * so a model with table values (tx, corr) radiates tx - GAEN_TX_SCALE_DB and reports received power
 * - (corr - GAEN_RSSI_SCALE_DB). A token on the same scale would claim its radiated power +
 * GAEN_TX_SCALE_DB and have GAEN_RSSI_SCALE_DB added to its RSSI (its nRF52 reports without bias);
 * the boards' numbers are not there yet (docs/CALIBRATION.md says why and what it would change).
 *
 * Models: the table's median Android phone; five models sold in Japan or common, with their own table
 * values; the table's most extreme model; an iPhone (Apple does not publish its values: taken as
 * calibrated like the median phone, radiating -12 dBm, an assumption); microG (metadata v1.0, the
 * median values); and a phone whose metadata overstates its TX by 6 dB against the table.
 */

/** Calibrated TX on GAEN's scale minus radiated dBm (see above). */
export const GAEN_TX_SCALE_DB = -7;
/** RSSI correction of a phone that reports what it receives (see above). */
export const GAEN_RSSI_SCALE_DB = 4;

export interface PhoneModel {
  id: string;
  name: string;
  /** AEM metadata: -1 = v1.0 (0x40), 0..3 = v1.1 with that calibration confidence. */
  metadataConfidence: number;
  /** TX power written in the AEM metadata: the calibrated value of Google's table. */
  metadataTxPowerDbm: number;
  /** The receiver's RSSI correction of Google's table (attenuation = TX - (RSSI + this)). */
  rssiCorrectionDb: number;
  /** Power really radiated, dBm (metadataTxPowerDbm - GAEN_TX_SCALE_DB). */
  radiatedTxPowerDbm: number;
  /** Receiver reporting error (reported = received - rssiOffsetDb): rssiCorrectionDb - GAEN_RSSI_SCALE_DB. */
  rssiOffsetDb: number;
  sensitivityDbm: number;
}

function calibrated(id: string, name: string, tx: number, corr: number, confidence = 2): PhoneModel {
  return {
    id, name, metadataConfidence: confidence, metadataTxPowerDbm: tx, rssiCorrectionDb: corr,
    radiatedTxPowerDbm: tx - GAEN_TX_SCALE_DB, rssiOffsetDb: corr - GAEN_RSSI_SCALE_DB, sensitivityDbm: -95,
  };
}

export const PHONE_MODELS: Record<string, PhoneModel> = {
  android: calibrated("android", "Android phone, the median of Google's calibration table (TX -25, RSSI correction +4)", -25, 4),
  pixel4: calibrated("pixel4", "Google Pixel 4 (table: TX -30, correction +8)", -30, 8, 3),
  "galaxy-s9": calibrated("galaxy-s9", "Samsung Galaxy S9, docomo SC-02K (table: TX -29, correction +11)", -29, 11, 3),
  "aquos-sense3": calibrated("aquos-sense3", "Sharp AQUOS sense3, docomo SH-02M (table: TX -29, correction +5)", -29, 5, 3),
  "xperia-10": calibrated("xperia-10", "Sony Xperia 10 II, docomo SO-41A (table: TX -31, correction +2)", -31, 2, 3),
  "galaxy-a20": calibrated("galaxy-a20", "Samsung Galaxy A20, SM-A205U: the table's extreme (TX -47, correction +23)", -47, 23, 3),
  iphone: { ...calibrated("iphone", "iPhone, iOS EN (metadata v1.1; values not published: radiates -12 dBm, reports unbiased, an assumption)", -12 + GAEN_TX_SCALE_DB, GAEN_RSSI_SCALE_DB, 3) },
  microg: { ...calibrated("microg", "Android phone with microG EN (metadata v1.0, the table's median)", -25, 4), metadataConfidence: -1 },
  "android-miscalibrated": {
    ...calibrated("android-miscalibrated", "Android phone whose metadata overstates its TX power by 6 dB against the table", -25, 4, 0),
    metadataTxPowerDbm: -19,
  },
};

export function phoneModel(id: string): PhoneModel {
  const m = PHONE_MODELS[id];
  if (!m) throw new RangeError("unknown phone model " + JSON.stringify(id) + "; known: " + Object.keys(PHONE_MODELS).join(", "));
  return m;
}
