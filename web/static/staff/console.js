'use strict';
// The staff console's shared helpers: the API, safe element building (text only, never
// HTML, so whatever a complaint contains is shown and never run), the menu and live updates.
const QF = (() => {
  let csrf = '';
  const state = { me: null, vocab: null };

  async function api(method, path, body) {
    const opts = { method, headers: {}, credentials: 'same-origin' };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrf;
    const r = await fetch('/staff/api' + path, opts);
    if (r.status === 401 && path !== '/login') {
      location.href = '/staff/login?next=' + encodeURIComponent(location.pathname + location.search);
      throw new Error('请先登录');
    }
    const text = await r.text();
    let data = {};
    try { data = text ? JSON.parse(text) : {}; } catch (e) { data = {}; }
    if (!r.ok) {
      const err = new Error(data.message || ('请求失败（' + r.status + '）'));
      err.status = r.status;
      err.code = data.error;
      throw err;
    }
    return data;
  }

  // el builds an element; children are nodes or strings (always as text).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  const levelMarks = { red: '红', orange: '橙', yellow: '黄' };
  // name gives a code's name from the catalogue the server sends (web/names.go), or the
  // code itself when it has none.
  const name = (kind, code) => ((state.vocab && state.vocab.names[kind]) || {})[code] || code;
  function badge(level) {
    return level ? el('span', { class: 'badge ' + level, title: name('level', level) }, levelMarks[level], el('span', { class: 'sr' }, name('level', level))) : '';
  }
  function categoryName(id) {
    const c = (state.vocab.categories || []).find(x => x.ID === id);
    return c ? c.Name : (id || '未分类');
  }
  function bodyName(id) {
    const b = (state.vocab.bodies || []).find(x => x.id === id);
    return b ? b.name : (id || '—');
  }
  const rankName = r => ((state.vocab.ranks || []).find(x => x.ID === r) || {}).Name || r || '未知';
  const statusName = s => name('status', s);
  const modeName = m => m ? name('mode', m) : '—';
  const channelName = c => name('channel', c);
  const roleName = r => name('role', r);
  const time = t => t ? new Date(t).toLocaleString('zh-CN', { hour12: false }) : '';

  function notice(text, kind) {
    const box = document.getElementById('notice');
    if (!box) return;
    const note = el('div', { class: 'note ' + (kind || '') }, text);
    box.append(note);
    setTimeout(() => note.remove(), 8000);
  }

  const menu = {
    operator: [['/staff/operator', '接听登记'], ['/staff/', '我的来电工单']],
    intake: [['/staff/', '工单队列'], ['/staff/live', '在线对话'], ['/staff/operator', '接听登记'], ['/staff/figures', '统计报表']],
    handler: [['/staff/', '本单位工单']],
    leader: [['/staff/', '工单队列'], ['/staff/figures', '统计报表'], ['/staff/admin', '账号留痕']],
    admin: [['/staff/admin', '系统管理']],
  };
  // home is where a role's work is: the first page of its menu.
  const home = role => (menu[role] || [['/staff/']])[0][0];

  function nav() {
    const head = document.querySelector('header');
    const links = (menu[state.me.role] || []).map(([href, label]) =>
      el('a', { href, class: location.pathname === href ? 'on' : '', 'aria-current': location.pathname === href ? 'page' : false }, label));
    const who = el('span', { class: 'who' }, `${state.me.username}（${roleName(state.me.role)}${state.me.body ? ' · ' + bodyName(state.me.body) : ''}）`);
    const out = el('button', { type: 'button', id: 'logout', onclick: async () => {
      await api('POST', '/logout').catch(() => {});
      location.href = '/staff/login';
    } }, '退出');
    head.append(el('nav', { 'aria-label': '主菜单' }, links), el('div', { class: 'user' }, who, out));
  }

  async function start() {
    state.me = await api('GET', '/me');
    csrf = state.me.csrf;
    state.vocab = await api('GET', '/vocab');
    nav();
    return state;
  }

  // live calls onEvent with each change the server announces; it reconnects by itself.
  // The server listens before the socket opens, so from then on nothing is missed; what
  // changed before is announced as {event: 'connected'}, or 'reconnected' after a break.
  function live(onEvent) {
    let opened = false;
    const connect = () => {
      const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/staff/api/live');
      ws.onmessage = m => {
        let ev;
        try { ev = JSON.parse(m.data); } catch (e) { return; } // a malformed message is ignored
        onEvent(ev);
      };
      ws.onopen = () => {
        document.body.setAttribute('data-live', 'on');
        onEvent({ event: opened ? 'reconnected' : 'connected' });
        opened = true;
      };
      ws.onclose = () => { document.body.setAttribute('data-live', 'off'); setTimeout(connect, 3000); };
    };
    connect();
  }

  return { api, el, clear, name, badge, categoryName, rankName, bodyName, statusName, modeName, channelName, roleName, time, notice, home, start, live, state };
})();
