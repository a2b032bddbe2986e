'use strict';
(async () => {
  const { el, clear, api } = QF;
  const st = await QF.start();
  const isAdmin = st.me.role === 'admin';
  // A trail entry's details are parts (a; b), in English or naming role and body by
  // code (role=intake→leader body=a→b): each is shown by its name.
  const details = text => (text || '').split('; ').filter(Boolean).map(part => QF.name('trail_detail', part)
    .replace(/(role|body)=(\S*)/g, (_, kind, codes) =>
      (kind === 'role' ? '角色：' : '单位：') + codes.split('→').map(c => kind === 'role' ? QF.roleName(c) : QF.bodyName(c)).join('→'))).join('；');
  const fail = e => QF.notice(e.message, 'warn');
  // shownOnce puts a secret on the page for the admin to pass on; it is not kept anywhere.
  const shownOnce = text => { document.getElementById('totp-link').textContent = text; };
  const path = (a, what) => '/accounts/' + encodeURIComponent(a.username) + '/' + what;

  // act runs one account change the admin asked for, then redraws the accounts and the trail.
  async function act(question, run) {
    if (question && !confirm(question)) return;
    try {
      await run();
      accounts();
      trail();
    } catch (e) { fail(e); }
  }

  async function accounts() {
    const { accounts } = await api('GET', '/accounts');
    const body = clear(document.querySelector('#accounts tbody'));
    const names = clear(document.querySelector('#set-role select[name=username]'));
    for (const a of accounts) {
      const mine = a.username === st.me.username;
      const totp = el('button', { type: 'button', onclick: () => act('', async () => {
        const r = await api('POST', path(a, 'totp'), { on: !a.totp });
        shownOnce(r && r.link ? `请让 ${a.username} 将以下链接载入身份验证器（仅显示一次）：${r.link}` : `${a.username} 已改为仅用密码登录`);
      }) }, a.totp ? '关闭' : '开启');
      const reset = el('button', { type: 'button', onclick: () => act(`重置 ${a.username} 的密码？其所有登录会立即失效。`, async () => {
        const r = await api('POST', path(a, 'password'));
        shownOnce(`${a.username} 的临时密码（仅显示一次，请当面或电话告知；首次登录须改为自己的密码）：${r.password}`);
      }) }, '重置密码');
      const toggle = a.disabled
        ? el('button', { type: 'button', onclick: () => act('', async () => {
          await api('POST', path(a, 'enable'));
          QF.notice(`${a.username} 已启用`, 'new');
        }) }, '启用')
        : el('button', { type: 'button', disabled: mine, title: mine ? '不能停用自己的账号' : '', onclick: () => act(`停用 ${a.username}？其所有登录会立即失效。`, async () => {
          await api('POST', path(a, 'disable'));
          QF.notice(`${a.username} 已停用`, 'new');
        }) }, '停用');
      const state = a.disabled ? '已停用' : (a.must_change ? '待修改临时密码' : '正常');
      body.append(el('tr', {}, el('td', {}, a.username), el('td', {}, QF.roleName(a.role)),
        el('td', {}, a.body ? QF.bodyName(a.body) : '—'), el('td', {}, a.totp ? '已开启 ' : '未开启 ', totp),
        el('td', {}, state), el('td', {}, reset, ' ', toggle)));
      if (!mine) names.append(el('option', { value: a.username }, `${a.username}（${QF.roleName(a.role)}）`));
    }
  }

  async function trail() {
    const t = await api('GET', '/admin/trail');
    document.getElementById('trail-status').textContent = (t.intact
      ? `共 ${t.total} 条，哈希链校验完整。`
      : `警告：哈希链校验未通过，第 ${t.broken_at} 条起的记录被改动或删除。`) +
      (t.entries.length < t.total ? `以下为最近 ${t.entries.length} 条。` : '');
    if (!t.intact) QF.notice('账号变更留痕被改动过，请立即核查', 'warn');
    const body = clear(document.querySelector('#trail tbody'));
    for (const e of t.entries) {
      body.append(el('tr', {}, el('td', {}, String(e.seq)), el('td', {}, QF.time(e.at)), el('td', {}, e.actor),
        el('td', {}, QF.name('account_action', e.action)), el('td', {}, e.target), el('td', { class: 'text' }, details(e.details))));
    }
  }

  function tree() {
    const list = clear(document.getElementById('tree'));
    const kids = parent => st.vocab.bodies.filter(b => (b.parent || '') === parent);
    const walk = (parent, into) => {
      for (const b of kids(parent)) {
        const sub = el('ul');
        into.append(el('li', {}, `${b.name}（${b.id}）`, sub));
        walk(b.id, sub);
      }
    };
    walk('', list);
    document.querySelector('#bodies textarea').value = st.vocab.bodies
      .map(b => `- {id: ${JSON.stringify(b.id)}, name: ${JSON.stringify(b.name)}${b.parent ? ', parent: ' + JSON.stringify(b.parent) : ''}}`).join('\n');
    for (const sel of document.querySelectorAll('select[name=body]')) {
      clear(sel).append(el('option', { value: '' }, '—'), ...st.vocab.bodies.map(b => el('option', { value: b.id }, b.name)));
    }
  }

  async function calendar() {
    const c = await api('GET', '/calendar');
    document.getElementById('calendar-status').textContent =
      `已载入：${(c.Years || []).join('、') || '无'} 年。` +
      (c.ThisPublished ? '' : `${c.ThisYear} 年尚未载入官方安排，期限暂按普通周末计算。`) +
      (c.NextPublished ? '' : `${c.ThisYear + 1} 年的安排公布后请在此载入。`);
  }

  document.getElementById('add-account').addEventListener('submit', async ev => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    await act('', async () => {
      await api('POST', '/accounts', { username: f.get('username'), role: f.get('role'), body: f.get('body'), password: f.get('password') });
      ev.target.reset();
      QF.notice('账号已新建', 'new');
    });
  });
  document.getElementById('set-role').addEventListener('submit', async ev => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    await act('', async () => {
      await api('POST', '/accounts/' + encodeURIComponent(f.get('username')) + '/role', { role: f.get('role'), body: f.get('body') });
      QF.notice(`${f.get('username')} 的角色已改为${QF.roleName(f.get('role'))}`, 'new');
    });
  });
  document.getElementById('bodies').addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      const r = await api('PUT', '/bodies', { yaml: new FormData(ev.target).get('yaml') });
      QF.notice(`已保存 ${r.bodies} 个单位`, 'new');
      st.vocab = await api('GET', '/vocab');
      tree();
    } catch (e) { fail(e); }
  });
  document.getElementById('calendar').addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      const r = await api('PUT', '/calendar', { yaml: new FormData(ev.target).get('yaml') });
      QF.notice(`${r.year} 年节假日安排已载入`, 'new');
      calendar();
    } catch (e) { fail(e); }
  });
  for (const sel of document.querySelectorAll('select[name=role]')) {
    sel.append(...['operator', 'intake', 'handler', 'leader', 'admin'].map(r => el('option', { value: r }, QF.roleName(r))));
  }
  trail().catch(fail);
  if (!isAdmin) return; // a leader reads the trail only
  for (const s of document.querySelectorAll('.admin-only')) s.hidden = false;
  tree();
  accounts().catch(fail);
  calendar().catch(fail);
})();
