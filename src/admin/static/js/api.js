// The dashboard's only way to the server: same-origin JSON with the session cookie, and the
// session's CSRF token on every state-changing request.

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

export class ApiError extends Error {
  constructor(message, status, problem) {
    super(message);
    this.status = status;
    this.problem = problem;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(`/admin/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (res.status === 401) {
    // The session ended (idle or absolute expiry): back to the sign-in page.
    window.location.assign('/admin');
    throw new ApiError('your session has ended; sign in again', 401, null);
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const detail = data?.detail ?? res.statusText;
    const fields = Array.isArray(data?.errors) ? ` (${data.errors.map((e) => `${e.field}: ${e.message}`).join('; ')})` : '';
    throw new ApiError(`${detail}${fields}`, res.status, data);
  }
  return data;
}
