/**
 * The diagnosis API's error answers, defined once for the server and its client:
 * `{"error": {"code": "INVALID_NUMBER", "message": "...", "messageJa": "..."}}` with the HTTP
 * status below. Codes are stable; clients decide on the code, people read the messages.
 */

export const API_ERRORS = {
  BAD_JSON: {
    status: 400,
    en: "The request is not valid JSON.",
    ja: "送信内容の形式が正しくありません。",
  },
  INVALID_FIELD: {
    status: 400,
    en: "A field of the request is missing or wrong.",
    ja: "送信内容に不足か誤りがあります。",
  },
  INVALID_KEY: {
    status: 400,
    en: "A daily key in the request is malformed.",
    ja: "送信された日次鍵の形式が正しくありません。",
  },
  NO_VALID_KEYS: {
    status: 400,
    en: "None of the daily keys fall in the period that can be registered. Nothing was registered and the processing number is still valid.",
    ja: "登録できる期間の日次鍵がありません。何も登録されておらず、処理番号はまだ使えます。",
  },
  UNSUPPORTED_REGION: {
    status: 400,
    en: "This server does not serve the region given.",
    ja: "この地域はこのサーバーでは扱っていません。",
  },
  INVALID_NUMBER: {
    status: 403,
    en: "The processing number is not valid. Please check the 8 digits; a number can be used only once.",
    ja: "処理番号が正しくありません。8桁の数字を確かめてください。処理番号は一度しか使えません。",
  },
  NUMBER_EXPIRED: {
    status: 403,
    en: "The processing number has expired. Please ask the health centre for a new one.",
    ja: "処理番号の有効期限が切れています。保健所に新しい番号をお問い合わせください。",
  },
  TOO_MANY_ATTEMPTS: {
    status: 429,
    en: "Too many wrong processing numbers. Please wait a while and try again.",
    ja: "誤った処理番号が続きました。しばらく待ってからもう一度お試しください。",
  },
  BODY_TOO_LARGE: {
    status: 413,
    en: "The request is too large.",
    ja: "送信内容が大きすぎます。",
  },
  NOT_FOUND: {
    status: 404,
    en: "Nothing is here.",
    ja: "見つかりません。",
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    en: "This method is not allowed here.",
    ja: "この方法では利用できません。",
  },
  INTERNAL: {
    status: 500,
    en: "The server had a problem. Nothing was registered; please try again later.",
    ja: "サーバーで問題が起きました。登録はされていません。後でもう一度お試しください。",
  },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** The JSON body of an error answer. `detail` says exactly what was wrong, in English, for developers. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; messageJa: string; detail?: string };
}

/** An error the API answers with; thrown inside the server, built from a response by the client. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly detail?: string;
  constructor(code: ApiErrorCode, detail?: string) {
    super(detail ? `${API_ERRORS[code].en} (${detail})` : API_ERRORS[code].en);
    this.name = "ApiError";
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.detail = detail;
  }

  toBody(): ApiErrorBody {
    const e = API_ERRORS[this.code];
    return { error: { code: this.code, message: e.en, messageJa: e.ja, ...(this.detail ? { detail: this.detail } : {}) } };
  }
}

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(API_ERRORS, code);
}
