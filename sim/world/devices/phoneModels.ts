/**
 * Simulated GAEN phone models: what the phone claims in its AEM metadata and how it really radiates
 * and receives. Figures are assumptions chosen to match published behaviour (docs/spec/gaen-protocol.md section 3):
 * Android advertises with AdvertiseSettings TX power LOW (-15 dBm conducted) and metadata v1.1 by
 * default (Google sample; a live GMS phone sent -14 dBm); microG sends metadata v1.0 (0x40);
 * iPhones send metadata v1.1. Radiated power = conducted power minus a few dB of antenna and
 * casing loss. `rssiOffsetDb` is the phone's calibration (calibrated = measured + offset); a model
 * with `miscalibrationDb` != 0 claims a TX power that differs from what it really radiates.
 */

export interface PhoneModel {
  id: string;
  name: string;
  /** AEM metadata: -1 = v1.0 (0x40), 0..3 = v1.1 with that calibration confidence. */
  metadataConfidence: number;
  /** TX power written in the AEM metadata, dBm. */
  metadataTxPowerDbm: number;
  /** Power really radiated, dBm. */
  radiatedTxPowerDbm: number;
  /** Receiver calibration offset, dB (calibrated RSSI = reported + offset). */
  rssiOffsetDb: number;
  sensitivityDbm: number;
}

export const PHONE_MODELS: Record<string, PhoneModel> = {
  android: {
    id: "android", name: "Android phone, Google Play services EN (metadata v1.1, TX LOW)",
    metadataConfidence: 2, metadataTxPowerDbm: -18, radiatedTxPowerDbm: -18, rssiOffsetDb: 3, sensitivityDbm: -95,
  },
  microg: {
    id: "microg", name: "Android phone with microG EN (metadata v1.0)",
    metadataConfidence: -1, metadataTxPowerDbm: -18, radiatedTxPowerDbm: -18, rssiOffsetDb: 0, sensitivityDbm: -95,
  },
  iphone: {
    id: "iphone", name: "iPhone, iOS EN (metadata v1.1)",
    metadataConfidence: 3, metadataTxPowerDbm: -12, radiatedTxPowerDbm: -12, rssiOffsetDb: 2, sensitivityDbm: -95,
  },
  "android-miscalibrated": {
    id: "android-miscalibrated", name: "Android phone whose metadata overstates its TX power by 6 dB",
    metadataConfidence: 0, metadataTxPowerDbm: -12, radiatedTxPowerDbm: -18, rssiOffsetDb: 0, sensitivityDbm: -95,
  },
};

export function phoneModel(id: string): PhoneModel {
  const m = PHONE_MODELS[id];
  if (!m) throw new RangeError("unknown phone model " + JSON.stringify(id) + "; known: " + Object.keys(PHONE_MODELS).join(", "));
  return m;
}
