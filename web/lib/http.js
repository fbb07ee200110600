/*
 * JSON requests to kefu, shared by the widget and the agent console.
 *
 * Why it exists: every kefu error is the same JSON body,
 * `{"error": {"code": "…", "message": "…"}}`, with a stable code. Both pages
 * turn a failed request into one `ApiError` carrying the status and that
 * code, so callers branch on `status`/`code` instead of parsing bodies.
 */

/** A failed request: HTTP status (0 when the network failed), code, message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

/**
 * Sends a request with a JSON body (when `body` is given) and resolves to
 * the Response when it is OK. Throws an ApiError otherwise; an aborted
 * request rethrows its AbortError. `init` goes to fetch() as it is
 * (signal, credentials, mode…).
 */
export async function request(url, { method = 'GET', headers = {}, body, ...init } = {}) {
  const h = { accept: 'application/json', ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { ...init, method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e.message);
  }
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = res.statusText;
    try {
      const j = await res.json();
      if (j && j.error) ({ code, message } = j.error);
    } catch (_) {
      /* not JSON */
    }
    throw new ApiError(res.status, code, message);
  }
  return res;
}

/** The JSON of a response; null for 204 No Content. */
export const json = (res) => (res.status === 204 ? null : res.json());
