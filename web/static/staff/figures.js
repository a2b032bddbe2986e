'use strict';
(async () => {
  const { el, clear, api } = QF;
  await QF.start();
  const form = document.getElementById('period');
  const iso = d => d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
  const preset = kind => {
    const now = new Date();
    const first = kind === 'quarter' ? new Date(now.getFullYear(), Math.floor(now.getMonth() / 3) * 3, 1) : new Date(now.getFullYear(), now.getMonth(), 1);
    const next = new Date(first.getFullYear(), first.getMonth() + (kind === 'quarter' ? 3 : 1), 1);
    form.elements.from.value = iso(first);
    form.elements.to.value = iso(next);
  };
  for (const b of form.querySelectorAll('[data-preset]')) b.addEventListener('click', () => { preset(b.dataset.preset); load(); });
  form.addEventListener('submit', ev => { ev.preventDefault(); load(); });
  const params = new URLSearchParams(location.search);
  preset('month');
  if (params.get('from')) form.elements.from.value = params.get('from');
  if (params.get('to')) form.elements.to.value = params.get('to');

  // The figures count a ticket not yet routed under body 未知 (intake/tally.go).
  const unrouted = b => b && b !== '未知' ? QF.bodyName(b) : '尚未分办';
  // A rate over nothing is shown as a dash, not as 0 %.
  const pct = (x, of) => of ? (x * 100).toFixed(1) + '%' : '—';

  // chart draws a horizontal bar chart as SVG, largest first.
  function chart(title, counts, name) {
    const rows = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const max = Math.max(1, ...rows.map(r => r[1]));
    const ns = 'http://www.w3.org/2000/svg', h = 24, w = 460, label = 150;
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${Math.max(1, rows.length) * h}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', title);
    rows.forEach(([k, n], i) => {
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('x', 0); t.setAttribute('y', i * h + 16);
      t.textContent = name(k);
      const r = document.createElementNS(ns, 'rect');
      r.setAttribute('x', label); r.setAttribute('y', i * h + 4); r.setAttribute('height', 16);
      r.setAttribute('width', Math.max(2, (w - label - 50) * n / max));
      const v = document.createElementNS(ns, 'text');
      v.setAttribute('x', label + Math.max(2, (w - label - 50) * n / max) + 6); v.setAttribute('y', i * h + 16);
      v.textContent = String(n);
      svg.append(t, r, v);
    });
    return el('figure', { class: 'card chart' }, el('figcaption', {}, title), rows.length ? svg : el('p', { class: 'muted' }, '无数据'));
  }

  async function load() {
    const q = 'from=' + encodeURIComponent(form.elements.from.value) + '&to=' + encodeURIComponent(form.elements.to.value);
    document.getElementById('export').href = '/staff/api/figures.xlsx?' + q;
    const error = document.getElementById('error');
    error.textContent = '';
    let f;
    try { f = await api('GET', '/figures?' + q); } catch (e) { error.textContent = e.message; return; }
    clear(document.getElementById('rates')).append(
      ...[['收到总数', f.Total], ['已报结', f.Finished], ['按时办结率', pct(f.OnTime, f.Finished)], ['已办结', f.Concluded],
        ['查实率', pct(f.Substantiated, f.Concluded)], ['重复举报率', pct(f.Repeats, f.Total)], ['已回访', f.FollowedUp],
        ['满意率', pct(f.Satisfaction, f.FollowedUp)]].map(([k, v]) =>
        el('div', { class: 'rate card' }, el('span', { class: 'muted' }, k), el('strong', {}, String(v)))));
    clear(document.getElementById('charts')).append(
      chart('按类别', f.ByCategory, QF.categoryName), chart('按办理单位', f.ByBody, unrouted),
      chart('按被反映人级别', f.ByRank, QF.rankName), chart('按渠道', f.ByChannel, QF.channelName), chart('按办理方式', f.ByMode, QF.modeName),
      chart('问责人次（按措施）', f.ByMeasure, k => k));
    const bodies = clear(document.getElementById('bodies'));
    bodies.append(el('h2', {}, '办理单位期限预警'), el('p', { class: 'muted' },
      f.LevelsAt && !f.LevelsAt.startsWith('0001') ? '截至 ' + QF.time(f.LevelsAt) + ' 的期限检查' : '期限检查尚未运行'));
    bodies.append((f.Bodies || []).length ? el('table', {}, el('thead', {}, el('tr', {}, ['办理单位', '黄色', '橙色', '红色（逾期）'].map(h => el('th', {}, h)))),
      el('tbody', {}, f.Bodies.map(b => el('tr', {}, el('td', {}, QF.bodyName(b.Body)),
        el('td', {}, String(b.Yellow)), el('td', {}, String(b.Orange)), el('td', {}, b.Red ? [QF.badge('red'), String(b.Red)] : '0'))))) :
      el('p', { class: 'muted' }, '没有临近或超过期限的工单'));
    const units = clear(document.getElementById('units'));
    units.append(el('h2', {}, '单位预警（近期逾期或查实较多的被反映单位）'));
    units.append((f.Units || []).length ? el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, '单位'), el('th', {}, '预警'), el('th', {}, '逾期'), el('th', {}, '查实'))),
      el('tbody', {}, f.Units.map(u => el('tr', {}, el('td', {}, u.Unit), el('td', {}, QF.badge(u.Level), ' ', QF.name('level', u.Level)),
        el('td', {}, String(u.Overdue)), el('td', {}, String(u.Substantiated)))))) : el('p', { class: 'muted' }, '暂无预警单位'));
  }
  load();
})();
