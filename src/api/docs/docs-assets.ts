/**
 * The /docs page: a small self-contained renderer of /openapi.json (no CDN, works offline). It is
 * served as three same-origin files so the page's CSP can forbid inline script and style.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Influencer Scout API — reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/docs.css">
<script src="/docs/docs.js" defer></script>
</head>
<body>
<header><h1 id="title">Influencer Scout API</h1><p id="version"></p></header>
<main id="content"><p class="muted">Loading the API description…</p></main>
<noscript><p>This page renders <a href="/openapi.json">/openapi.json</a>; enable JavaScript or read that file directly.</p></noscript>
</body>
</html>
`;

export const DOCS_CSS = `
:root { color-scheme: light dark; --muted: #667; --line: #ccd; --get: #1f7a3d; --post: #1d4f91; }
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
header { border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
h1 { margin: .5rem 0 0; } h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--line); }
.muted { color: var(--muted); }
.op { border: 1px solid var(--line); border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem; }
.op > summary { cursor: pointer; font-weight: 600; list-style: none; }
.method { display: inline-block; min-width: 3.5rem; font: 600 12px monospace; color: #fff; border-radius: 3px; padding: 2px 6px; margin-right: .5rem; text-align: center; }
.method.get { background: var(--get); } .method.post { background: var(--post); }
code, pre { font: 13px ui-monospace, monospace; }
pre { background: rgba(127,127,127,.12); padding: .75rem; border-radius: 4px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; } td, th { text-align: left; border-bottom: 1px solid var(--line); padding: .25rem .5rem; vertical-align: top; }
`;

export const DOCS_JS = `
'use strict';
(function () {
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function resolve(doc, schema) {
    var seen = 0;
    while (schema && schema.$ref && seen++ < 20) {
      var path = schema.$ref.replace(/^#\\//, '').split('/');
      schema = path.reduce(function (o, k) { return o && o[k]; }, doc);
    }
    return schema || {};
  }
  function typeOf(doc, s) {
    if (!s) return 'any';
    if (s.$ref) return s.$ref.split('/').pop();
    if (s.anyOf) return s.anyOf.map(function (x) { return typeOf(doc, x); }).join(' | ');
    if (s.enum) return s.enum.map(function (v) { return JSON.stringify(v); }).join(' | ');
    if (s.type === 'array') return typeOf(doc, s.items) + '[]';
    return s.type || 'any';
  }
  function constraints(s) {
    var out = [];
    ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'pattern', 'format', 'default'].forEach(function (k) {
      if (s && s[k] !== undefined) out.push(k + ': ' + JSON.stringify(s[k]));
    });
    return out.join(', ');
  }
  function schemaTable(doc, schema) {
    var s = resolve(doc, schema);
    if (!s.properties) return el('pre', {}, [JSON.stringify(s, null, 2)]);
    var required = s.required || [];
    var rows = Object.keys(s.properties).map(function (name) {
      var p = s.properties[name];
      return el('tr', {}, [
        el('td', {}, [el('code', {}, [name])]),
        el('td', {}, [typeOf(doc, p)]),
        el('td', {}, [required.indexOf(name) >= 0 ? 'required' : '']),
        el('td', { class: 'muted' }, [(p.description ? p.description + ' ' : '') + constraints(p)]),
      ]);
    });
    return el('table', {}, [el('tr', {}, [el('th', {}, ['field']), el('th', {}, ['type']), el('th', {}, ['']), el('th', {}, ['notes'])])].concat(rows));
  }
  function operation(doc, path, method, op) {
    var body = [el('p', {}, [op.description || ''])];
    var params = (op.parameters || []).map(function (p) { return resolve(doc, p); });
    if (params.length) {
      body.push(el('h4', {}, ['Parameters']));
      body.push(el('table', {}, params.map(function (p) {
        return el('tr', {}, [el('td', {}, [el('code', {}, [p.name])]), el('td', {}, [p.in]), el('td', {}, [typeOf(doc, p.schema)]), el('td', { class: 'muted' }, [(p.description || '') + ' ' + constraints(p.schema)])]);
      })));
    }
    var rb = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
    if (rb) { body.push(el('h4', {}, ['Request body'])); body.push(schemaTable(doc, rb.schema)); }
    body.push(el('h4', {}, ['Responses']));
    body.push(el('table', {}, Object.keys(op.responses || {}).map(function (code) {
      var r = resolve(doc, op.responses[code]);
      var types = Object.keys(r.content || {}).map(function (t) { return t + ' ' + typeOf(doc, r.content[t].schema); }).join(', ');
      return el('tr', {}, [el('td', {}, [el('code', {}, [code])]), el('td', {}, [r.description || '']), el('td', { class: 'muted' }, [types])]);
    })));
    var summary = el('summary', {}, [el('span', { class: 'method ' + method }, [method.toUpperCase()]), el('code', {}, [path]), '  ', op.summary || '']);
    return el('details', { class: 'op', id: op.operationId || '' }, [summary].concat(body));
  }
  function render(doc) {
    document.title = doc.info.title + ' — reference';
    document.getElementById('title').textContent = doc.info.title;
    document.getElementById('version').textContent = 'version ' + doc.info.version + ' · OpenAPI ' + doc.openapi;
    var main = document.getElementById('content');
    main.replaceChildren(el('p', {}, [doc.info.description || '']), el('p', {}, [el('a', { href: '/openapi.json' }, ['openapi.json'])]));
    main.append(el('h2', {}, ['Endpoints']));
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) { main.append(operation(doc, path, method, doc.paths[path][method])); });
    });
    main.append(el('h2', {}, ['Schemas']));
    Object.keys(doc.components.schemas).forEach(function (name) {
      main.append(el('h3', { id: 'schema-' + name }, [name]), schemaTable(doc, doc.components.schemas[name]));
    });
  }
  fetch('/openapi.json').then(function (r) { return r.json(); }).then(render, function (err) {
    document.getElementById('content').textContent = 'Could not load /openapi.json: ' + err;
  });
})();
`;
