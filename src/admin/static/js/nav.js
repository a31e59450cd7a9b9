// Dashboard navigation: every page is a hash route, so back/forward and reloads just work.

/** href for a dashboard page, leaving out empty query values. */
export function link(path, query = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const text = p.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}

/** Navigate within the dashboard (pushes history, triggers a render). */
export function go(path, query = {}) {
  window.location.hash = link(path, query);
}
