// Hash router for the dashboard: #/<page>[/<id>][?query]. Each page renders into <main id="app">
// from its JSON endpoint under /admin/api/.
import { errorBox, h, mount } from './dom.js';
import { renderOverview } from './pages/overview.js';
import { renderJobs } from './pages/jobs.js';
import { renderJob } from './pages/job.js';
import { renderUsage } from './pages/usage.js';
import { renderQueue } from './pages/queue.js';
import { renderKeys } from './pages/keys.js';

const routes = [
  [/^overview$/, renderOverview],
  [/^jobs$/, renderJobs],
  [/^jobs\/(job_[a-z0-9]+)$/, renderJob],
  [/^usage$/, renderUsage],
  [/^queue$/, renderQueue],
  [/^keys$/, renderKeys],
];

const root = document.getElementById('app');
let generation = 0;

function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { path: path || 'overview', query: new URLSearchParams(query) };
}

async function render() {
  const mine = ++generation;
  const { path, query } = parseHash();
  const section = path.split('/')[0];
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.page === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const match = routes.map(([re, fn]) => [re.exec(path), fn]).find(([m]) => m);
  if (!match) {
    mount(root, h('h1', null, 'Not found'), h('p', null, 'There is no such dashboard page. ', h('a', { href: '#/overview' }, 'Go to the overview.')));
    return;
  }
  const [m, page] = match;
  mount(root, h('p', { class: 'loading' }, 'Loading…'));
  try {
    const view = await page({ params: m.slice(1), query, reload: render });
    // A slower earlier render must not overwrite the page the user has since moved to.
    if (mine === generation) mount(root, view);
  } catch (err) {
    if (mine === generation) mount(root, h('h1', null, 'Something went wrong'), errorBox(err));
  }
  if (mine === generation) root.dataset.page = section;
}

window.addEventListener('hashchange', () => void render());
void render();
