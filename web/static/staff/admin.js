'use strict';
(async () => {
  const { el, clear, api } = QF;
  const st = await QF.start();
  const roleNames = { operator: '接线员', intake: '信访室', handler: '承办单位', leader: '领导', admin: '管理员' };
  const fail = e => QF.notice(e.message, 'warn');

  async function accounts() {
    const { accounts } = await api('GET', '/accounts');
    const body = clear(document.querySelector('#accounts tbody'));
    for (const a of accounts) {
      const toggle = el('button', { type: 'button', onclick: async () => {
        try {
          const r = await api('POST', '/accounts/' + encodeURIComponent(a.username) + '/totp', { on: !a.totp });
          document.getElementById('totp-link').textContent = r && r.link
            ? `请让 ${a.username} 将以下链接载入身份验证器（仅显示一次）：${r.link}` : `${a.username} 已改为仅用密码登录`;
          accounts();
        } catch (e) { fail(e); }
      } }, a.totp ? '关闭' : '开启');
      body.append(el('tr', {}, el('td', {}, a.username), el('td', {}, roleNames[a.role] || a.role),
        el('td', {}, a.body ? QF.bodyName(a.body) : '—'), el('td', {}, a.totp ? '已开启 ' : '未开启 ', toggle)));
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
    const sel = document.querySelector('#add-account select[name=body]');
    clear(sel).append(el('option', { value: '' }, '—'), st.vocab.bodies.map(b => el('option', { value: b.id }, b.name)));
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
    try {
      await api('POST', '/accounts', { username: f.get('username'), role: f.get('role'), body: f.get('body'), password: f.get('password') });
      ev.target.reset();
      QF.notice('账号已保存', 'new');
      accounts();
    } catch (e) { fail(e); }
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
  tree();
  accounts().catch(fail);
  calendar().catch(fail);
})();
