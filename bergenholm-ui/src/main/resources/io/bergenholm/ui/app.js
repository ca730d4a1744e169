// The console's shell: sign-in, navigation between views (by URL fragment, so every page can be
// bookmarked and the server only ever serves index.html), and the message areas.
import {API, call, setToken, token} from './api.js';
import {fill, h} from './dom.js';
import {alertError} from './notify.js';
import {machinesView} from './machines.js';
import {machineView} from './machine.js';
import {groupsView, groupView} from './groups.js';
import {templatesView, templateView} from './templates.js';

const routes = [
  [/^#\/machines\/?$/, machinesView],
  [/^#\/machines\/(.+)$/, machineView],
  [/^#\/groups\/?$/, groupsView],
  [/^#\/groups\/(.+)$/, groupView],
  [/^#\/templates\/?$/, templatesView],
  [/^#\/templates\/(.+)$/, templateView],
];

const $ = (id) => document.getElementById(id);
let session = null;
let cleanups = [];
let renders = 0; // the latest render() call; an older one that finishes later is dropped

async function probe() {
  try {
    const answer = await call('GET', `${API}/access`);
    return {access: answer.body.access, signedIn: token() !== null};
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

function showSignIn(message) {
  $('nav').hidden = true;
  $('signout').hidden = true;
  $('who').textContent = '';
  fill($('view'));
  $('signin').hidden = false;
  $('signin-error').textContent = message ?? '';
  $('token').value = '';
  $('token').focus();
}

async function signIn(event) {
  event.preventDefault();
  setToken($('token').value.trim());
  try {
    session = await probe();
  } catch (e) {
    session = null;
    $('signin-error').textContent = e.text ?? String(e);
    return;
  }
  if (!session) {
    setToken(null);
    showSignIn('401: the bearer token is not valid');
    return;
  }
  $('signin').hidden = true;
  started();
}

function started() {
  $('nav').hidden = false;
  $('signout').hidden = !session.signedIn;
  $('who').textContent = session.access === 'read-write' ? 'read-write' : 'read-only';
  document.body.classList.toggle('read-only', session.access !== 'read-write');
  if (!location.hash || location.hash === '#') location.hash = '#/machines';
  else render();
}

async function render() {
  if (!session) return;
  const mine = ++renders;
  cleanups.forEach((stop) => stop());
  cleanups = [];
  alertError(null);
  const hash = location.hash || '#/machines';
  for (const link of document.querySelectorAll('#nav a')) {
    if (hash.startsWith(link.getAttribute('href'))) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const view = $('view');
  const route = routes.find(([pattern]) => pattern.test(hash));
  if (!route) {
    fill(view, h('h1', {tabindex: '-1'}, 'Not found'), h('p', {}, h('a', {href: '#/machines'}, 'Machines')));
    return;
  }
  const args = hash.match(route[0]).slice(1).map(decodeURIComponent);
  const ctx = {
    canWrite: session.access === 'read-write',
    onLeave: (stop) => cleanups.push(stop),
  };
  fill(view, h('p', {class: 'loading'}, 'Loading…'));
  try {
    const page = await route[1](ctx, ...args);
    // The operator moved on meanwhile, or the same page was asked for again and that newer
    // render owns the view: this one must not replace it (nor the elements it is using).
    if (mine !== renders || (location.hash !== hash && location.hash !== '')) return;
    fill(view, page);
    const heading = view.querySelector('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({preventScroll: true});
    }
  } catch (e) {
    if (mine !== renders) return;
    if (e.status === 401) {
      setToken(null);
      session = null;
      showSignIn(e.text);
      return;
    }
    fill(view, h('h1', {}, 'Could not load this page'));
    alertError(e);
  }
}

async function main() {
  $('signin').addEventListener('submit', signIn);
  $('signout').addEventListener('click', () => {
    setToken(null);
    session = null;
    cleanups.forEach((stop) => stop());
    cleanups = [];
    showSignIn('Signed out.');
  });
  window.addEventListener('hashchange', render);
  try {
    session = await probe();
  } catch (e) {
    alertError(e);
    return;
  }
  if (!session) {
    setToken(null);
    showSignIn(token() ? '401: the bearer token is not valid' : '');
    return;
  }
  started();
}

main();
