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
      var path = schema.$ref.replace(/^#\//, '').split('/');
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
