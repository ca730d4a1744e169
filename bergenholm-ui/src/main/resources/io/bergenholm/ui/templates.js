// Templates: edit with a live preview rendered for a chosen machine; a render error is shown with
// the server's reason and marked at its line.
import {API, call, enc, get} from './api.js';
import {field, fill, h, href} from './dom.js';
import {recordEditor} from './editor.js';
import {hostIds, SPECIAL} from './hosts.js';
import {alertError, announce} from './notify.js';

export async function templatesView(ctx) {
  const names = (await get(`${API}/templates/`)).templates;
  const name = h('input', {type: 'text', required: true, pattern: '[A-Za-z0-9._-]+', autocomplete: 'off'});
  async function create(event) {
    event.preventDefault();
    try {
      await call('POST', `${API}/templates/${enc(name.value)}`, {body: '#!ipxe\n'});
      location.hash = href('templates', name.value);
    } catch (e) {
      alertError(e);
    }
  }
  return h('section', {},
    h('h1', {}, 'Templates'),
    h('ul', {class: 'names'}, names.map((n) => h('li', {}, h('a', {href: href('templates', n)}, n)))),
    ctx.canWrite ? h('form', {class: 'inline', onsubmit: create}, field('New template name', name),
      h('button', {type: 'submit'}, 'Create')) : null);
}

export async function templateView(ctx, name) {
  const ids = (await hostIds()).filter((id) => !SPECIAL.includes(id));
  const editor = await recordEditor({
    path: `${API}/templates/${enc(name)}`, json: false, label: `Text of template ${name}`,
    canWrite: ctx.canWrite, onSaved: () => announce(`Saved template ${name}.`),
  });
  const area = editor.area;
  const gutter = h('pre', {class: 'gutter', 'aria-hidden': 'true'});
  area.parentNode.insertBefore(h('div', {class: 'code-wrap'}, gutter), area);
  gutter.parentNode.append(area);
  area.rows = 24;
  area.wrap = 'off';

  const host = h('select', {}, ids.map((id) => h('option', {value: id}, id)));
  const output = h('pre', {class: 'code rendered', tabindex: '0', 'aria-label': 'Preview'});
  const error = h('div', {class: 'render-error', role: 'alert'});
  // The same error right under the text, where it is seen on a narrow screen too.
  const near = h('p', {class: 'problem near'});
  gutter.parentNode.after(near);
  let errorLine = 0;

  function numbers() {
    const count = area.value.split('\n').length;
    fill(gutter, Array.from({length: count}, (_, i) =>
      h('span', {class: i + 1 === errorLine ? 'bad' : null}, `${i + 1}\n`)));
    gutter.scrollTop = area.scrollTop;
  }

  function goTo(line) {
    const lines = area.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1] ?? '').length);
  }

  let timer = null;
  let generation = 0;
  async function preview() {
    const mine = ++generation;
    if (!host.value) {
      output.textContent = 'No machine to render for.';
      return;
    }
    try {
      const answer = ctx.canWrite
        ? await call('POST', `${API}/templates/${enc(name)}/preview/${enc(host.value)}`, {body: area.value})
        : await call('GET', `${API}/templates/${enc(name)}/preview/${enc(host.value)}`);
      if (mine !== generation) return;
      errorLine = 0;
      fill(error);
      fill(near);
      output.classList.remove('failed');
      output.textContent = answer.body;
    } catch (e) {
      if (mine !== generation) return;
      errorLine = e.body?.line ?? Number(/ line (\d+)/.exec(e.message)?.[1] ?? 0);
      output.classList.add('failed');
      fill(near, errorLine ? `Render error at line ${errorLine}.` : 'Render error: see the preview.');
      fill(error, h('strong', {}, 'Render error: '), e.text,
        errorLine ? [' ', h('button', {type: 'button', class: 'link', onclick: () => goTo(errorLine)}, `Go to line ${errorLine}`)] : null);
    }
    numbers();
  }
  function later() {
    numbers();
    clearTimeout(timer);
    timer = setTimeout(preview, 300);
  }
  area.addEventListener('input', later);
  area.addEventListener('scroll', () => { gutter.scrollTop = area.scrollTop; });
  host.addEventListener('change', preview);
  numbers();
  preview();

  return h('article', {class: 'template'},
    h('p', {class: 'crumbs'}, h('a', {href: '#/templates'}, 'Templates'), ' / '),
    h('h1', {}, `Template ${name}`),
    h('div', {class: 'columns'},
      h('div', {}, editor.element),
      h('section', {'aria-labelledby': 'pv-h'},
        h('h2', {id: 'pv-h'}, ctx.canWrite ? 'Live preview' : 'Rendered (saved version)'),
        field('Render for machine', host), error, output)));
}
