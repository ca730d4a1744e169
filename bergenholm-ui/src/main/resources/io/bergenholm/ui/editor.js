// Editing one stored record (a host's or a group's JSON, a template's text) without losing
// anyone's work: every save names the version it was based on (If-Match); when someone else saved
// in between, the server refuses (412), and the operator sees both versions and decides. A failed
// save never touches what is in the editor.
import {call} from './api.js';
import {fill, h, nextId} from './dom.js';
import {announce} from './notify.js';

/** Where a JSON syntax error is, as "line L, column C", from the parser's position. */
export function jsonProblem(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec(e.message);
    if (at && !/line \d+/.test(e.message)) {
      const before = text.slice(0, Number(at[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      return `${e.message} (line ${line}, column ${column})`;
    }
    return e.message;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'the parameters must be one JSON object: { "key": value, … }';
  }
  const groups = value.groups;
  if (groups !== undefined && typeof groups !== 'string' &&
      !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) {
    return '"groups" must be a list of group names (or one name)';
  }
  return null;
}

/**
 * @param path the record's URL (GET reads it with its ETag, PUT replaces it)
 * @param json true for JSON records, false for template text
 * @param label what the text area is called ("Parameters of host x")
 * @param canWrite false: the text is shown read-only and there is no save button
 * @param onSaved called after a successful save, with the record's new entity tag
 */
export async function recordEditor({path, json, label, canWrite, onSaved}) {
  const first = await call('GET', path);
  let etag = first.etag;
  let saved = format(first.body);

  const areaId = nextId('editor');
  const area = h('textarea', {id: areaId, class: 'code', spellcheck: 'false', rows: 16, readonly: !canWrite,
    autocapitalize: 'off', autocomplete: 'off', 'aria-describedby': `${areaId}-problem`});
  area.value = saved;
  const problem = h('p', {id: `${areaId}-problem`, class: 'problem', 'aria-live': 'polite'});
  const failure = h('div', {class: 'save-error', role: 'alert'});
  const conflict = h('div', {class: 'conflict', hidden: true});
  const dirty = h('span', {class: 'dirty'});
  const save = h('button', {type: 'submit'}, 'Save');
  const revert = h('button', {type: 'button', onclick: () => {
    area.value = saved;
    refresh();
  }}, 'Revert');

  function format(body) {
    return json ? JSON.stringify(body, null, 2) + '\n' : body;
  }

  function refresh() {
    const issue = json ? jsonProblem(area.value) : null;
    problem.textContent = issue ? `Not valid: ${issue}` : '';
    area.setAttribute('aria-invalid', issue ? 'true' : 'false');
    dirty.textContent = area.value === saved ? '' : 'Unsaved changes';
    save.disabled = Boolean(issue) || area.value === saved;
  }

  async function submit(event) {
    event?.preventDefault();
    if (save.disabled) return;
    fill(failure);
    const text = area.value;
    try {
      const answer = await call('PUT', path, {body: json ? JSON.parse(text) : text, ifMatch: etag});
      etag = answer.etag ?? etag;
      saved = text;
      conflict.hidden = true;
      refresh();
      announce('Saved.');
      onSaved?.(etag);
    } catch (e) {
      if (e.status === 412) {
        await showConflict(text, e);
      } else {
        fill(failure, h('strong', {}, 'Not saved. '), e.text, ' Your edit is still in the editor.');
      }
    }
  }

  async function showConflict(mine, error) {
    let theirs;
    try {
      theirs = await call('GET', path);
    } catch (e) {
      fill(failure, h('strong', {}, 'Not saved. '), error.text, ' Reading the current version failed too: ', e.text);
      return;
    }
    const current = format(theirs.body);
    conflict.hidden = false;
    fill(conflict,
      h('h3', {}, 'Changed by someone else'),
      h('p', {}, 'This record was saved by someone else after you opened it, so your save was refused (',
        error.text, '). Your edit is still in the editor; nothing was overwritten. Their version now:'),
      h('pre', {class: 'code theirs', tabindex: '0', 'aria-label': 'Current version on the server'}, current),
      h('div', {class: 'actions'},
        h('button', {type: 'button', onclick: () => {
          etag = theirs.etag;
          saved = current;
          conflict.hidden = true;
          refresh();
          submit();
        }}, 'Save mine over theirs'),
        h('button', {type: 'button', onclick: () => {
          etag = theirs.etag;
          saved = current;
          area.value = current;
          fill(conflict, h('details', {}, h('summary', {}, 'Your edit, not saved'),
            h('pre', {class: 'code', tabindex: '0'}, mine)));
          refresh();
          area.focus();
        }}, 'Take theirs, keep mine below')));
    conflict.querySelector('button').focus();
  }

  area.addEventListener('input', refresh);
  refresh();
  const form = h('form', {class: 'editor', onsubmit: submit},
    h('label', {for: areaId}, label),
    area, problem,
    canWrite ? h('div', {class: 'actions'}, save, revert, dirty) : h('p', {class: 'note'}, 'Read-only access: no edits.'),
    failure, conflict);
  return {element: form, area, refresh};
}
