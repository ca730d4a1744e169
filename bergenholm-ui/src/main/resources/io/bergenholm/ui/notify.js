// The two message areas of the page: failures (role=alert) and confirmations (role=status).
import {ApiError} from './api.js';
import {fill, h} from './dom.js';

const $ = (id) => document.getElementById(id);

/** Shows a failure as the server stated it; null clears. */
export function alertError(error) {
  const box = $('alert');
  if (!error) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  fill(box, h('span', {class: 'message'}, error instanceof ApiError ? error.text : String(error.message ?? error)),
      ' ', h('button', {type: 'button', class: 'link', onclick: () => alertError(null)}, 'Dismiss'));
}

/** A short confirmation for screen readers and eyes. */
export function announce(text) {
  $('status').textContent = text;
}
