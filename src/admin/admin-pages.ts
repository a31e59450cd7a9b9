/**
 * The two server-rendered pages of the dashboard: the sign-in form and the shell that the
 * dashboard's script fills in. Everything dynamic goes through `escapeHtml`; the script builds
 * its DOM with textContent, so user text (briefs, artifacts) is never parsed as HTML.
 */

/** Scripts, styles and data from this origin only; forms may post only here; nobody may frame us. */
export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

function layout(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/static/admin.css">
${head}
</head>
<body>
${body}
</body>
</html>
`;
}

export function loginPage(opts: { error?: string; notice?: string } = {}): string {
  const message = opts.error
    ? `<p class="flash flash-error" role="alert">${escapeHtml(opts.error)}</p>`
    : opts.notice
      ? `<p class="flash flash-notice" role="status">${escapeHtml(opts.notice)}</p>`
      : '';
  return layout(
    'Sign in · Influencer Scout admin',
    '',
    `<main class="login">
  <form class="card login-card" method="post" action="/admin/login">
    <h1>Influencer Scout <span class="muted">admin</span></h1>
    ${message}
    <label for="key">Admin key</label>
    <input id="key" name="key" type="password" autocomplete="current-password" required autofocus maxlength="512">
    <button type="submit" class="primary">Sign in</button>
    <p class="muted small">The admin key is the <code>ADMIN_KEY</code> the service was started with.</p>
  </form>
</main>`,
  );
}

export const PAGES = [
  ['overview', 'Overview'],
  ['jobs', 'Jobs'],
  ['usage', 'Usage'],
  ['queue', 'Queue'],
  ['keys', 'API keys'],
] as const;

export function shellPage(opts: { csrfToken: string }): string {
  const nav = PAGES.map(([id, label]) => `<a href="#/${id}" data-page="${id}">${escapeHtml(label)}</a>`).join('\n      ');
  const csrf = escapeHtml(opts.csrfToken);
  return layout(
    'Influencer Scout admin',
    `<meta name="csrf-token" content="${csrf}">
<script type="module" src="/admin/static/js/app.js"></script>`,
    `<header class="topbar">
  <div class="brand">Influencer Scout <span>admin</span></div>
  <nav id="nav" aria-label="Dashboard pages">
      ${nav}
  </nav>
  <form class="signout" method="post" action="/admin/logout">
    <input type="hidden" name="csrf_token" value="${csrf}">
    <button type="submit" id="signout">Sign out</button>
  </form>
</header>
<main id="app" aria-live="polite">
  <noscript><p class="flash flash-error">The dashboard needs JavaScript; every page is also available as JSON under /admin/api/.</p></noscript>
</main>`,
  );
}
