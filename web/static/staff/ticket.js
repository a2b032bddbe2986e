'use strict';
(async () => {
  const { el, clear, api } = QF;
  const st = await QF.start();
  const id = new URLSearchParams(location.search).get('id') || '';
  const main = document.getElementById('ticket');
  const outcomes = st.vocab.outcomes;

  const actionNames = { accept: '受理', reject: '不予受理', merge: '并案', route: '分办', send_back: '退单',
    start: '开始办理', report: '报结', conclude: '审核办结', return: '退回重办', escalate: '转为督办',
    reply: '答复举报人', follow_up: '回访', close: '归档', reopen: '重新办理', create: '登记', view_identity: '查看身份',
    supplement: '补充材料', correct: '更正' };
  const signalNames = { real_name: '实名', danger: '危及人身安全', mass: '群体性', money: '金额', time: '时间', place: '地点' };

  const select = (name, options, required) => el('select', { name, required },
    required ? '' : el('option', { value: '' }, '—'), options.map(([v, l]) => el('option', { value: v }, l)));
  const pairs = list => (list || []).map(x => [x, x]);
  const field = (label, input) => el('label', {}, label, input);
  const note = () => field('说明', el('textarea', { name: 'note', rows: 2, maxlength: 2000 }));

  // forms: what each move asks for (DOMAIN.md, and the lifecycle rules of intake).
  const forms = {
    accept: () => [note()],
    reject: () => [field('不予受理理由', select('reason', pairs(outcomes.RejectReasons), true)), note()],
    merge: () => [field('并入工单编号', el('input', { name: 'main_id', required: true, placeholder: 'QF-…', maxlength: 30 })), note()],
    route: t => {
      const mode = select('mode', Object.entries(st.vocab.modes), true);
      const due = el('input', { name: 'due', type: 'date', required: true });
      mode.value = t.mode || 'assigned';
      due.value = st.vocab.default_due[mode.value] || '';
      mode.addEventListener('change', () => { due.value = st.vocab.default_due[mode.value] || due.value; });
      return [field('办理方式', mode), field('承办单位', select('body', st.vocab.bodies.map(b => [b.id, b.name]), true)),
        field('办理期限', due), note()];
    },
    send_back: () => [field('退单理由', select('reason', pairs(outcomes.SendBackReasons), true)), note()],
    start: () => [note()],
    report: () => [field('核查结论', select('finding', pairs(outcomes.Findings), true)),
      field('处置方式', select('disposal', pairs(outcomes.Disposals), true)), note()],
    conclude: t => {
      const finding = select('finding', pairs(outcomes.Findings), true);
      const disposal = select('disposal', pairs(outcomes.Disposals), true);
      finding.value = t.finding || '';
      disposal.value = t.disposal || '';
      const measures = el('fieldset', { class: 'measures' }, el('legend', {}, '问责措施'),
        outcomes.Measures.map(m => el('label', {}, el('input', { type: 'checkbox', name: 'measures', value: m }), m)));
      return [field('核查结论', finding), field('处置方式', disposal), measures,
        el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'held' }), '追究责任'),
        el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'clear' }), '失实举报，予以澄清正名'), note()];
    },
    return: () => [field('退回理由', el('input', { name: 'reason', required: true, maxlength: 200 })), note()],
    escalate: () => [el('input', { type: 'hidden', name: 'mode', value: 'supervised' }), note()],
    reply: () => [field('答复内容（将通过短信或查询页告知举报人）', el('textarea', { name: 'reply', rows: 4, required: true, maxlength: 1000 }))],
    follow_up: () => [field('举报人评价', select('satisfaction', pairs(outcomes.Satisfaction), true)), note()],
    close: () => [note()],
    reopen: () => [field('重新办理理由', el('input', { name: 'reason', required: true, maxlength: 200 })), note()],
  };

  function moveForm(t, action) {
    const form = el('form', { class: 'move card', 'data-action': action },
      el('h3', {}, actionNames[action] || action), forms[action](t),
      el('button', { type: 'submit' }, '确认' + (actionNames[action] || action)), el('p', { class: 'error', role: 'alert' }));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const fd = new FormData(form);
      const body = { action, version: t.version };
      for (const [k, v] of fd.entries()) {
        if (k === 'measures') (body.measures = body.measures || []).push(v);
        else if (k === 'held' || k === 'clear') body[k] = true;
        else if (v !== '') body[k] = v;
      }
      if (body.measures) body.held = true; // measures are taken only against someone held to account
      try {
        await api('POST', '/tickets/' + encodeURIComponent(t.id) + '/moves', body);
        QF.notice(actionNames[action] + '：已完成', 'new');
        load();
      } catch (e) {
        form.querySelector('.error').textContent = e.message;
      }
    });
    return form;
  }

  function correction(t) {
    const cat = select('category', st.vocab.categories.map(c => [c.ID, c.Name]), true);
    cat.value = t.category;
    const input = (name, v) => el('input', { name, value: v || '', maxlength: 100 });
    const form = el('form', { class: 'card', id: 'correct' }, el('h3', {}, '更正分类和被反映人'),
      field('类别', cat), field('姓名', input('name', t.subject.name)), field('职务', input('position', t.subject.position)),
      field('单位', input('unit', t.subject.unit)), el('button', { type: 'submit' }, '保存更正'), el('p', { class: 'error', role: 'alert' }));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const fd = new FormData(form);
      try {
        await api('POST', '/tickets/' + encodeURIComponent(t.id) + '/correction', { version: t.version, category: fd.get('category'),
          subject: { name: fd.get('name'), position: fd.get('position'), unit: fd.get('unit') } });
        QF.notice('更正已保存，将用于改进自动分类', 'new');
        load();
      } catch (e) { form.querySelector('.error').textContent = e.message; }
    });
    return form;
  }

  let revealed = null; // shown until the page is left; the view is in the record
  const whoList = who => el('dl', { class: 'who' }, el('dt', {}, '姓名'), el('dd', {}, who.name || '—'),
    el('dt', {}, '电话'), el('dd', {}, who.phone || '—'), el('dt', {}, '证件号'), el('dd', {}, who.id_number || '—'),
    who.contact ? [el('dt', {}, '其他联系方式'), el('dd', {}, who.contact)] : '');

  function identity(t) {
    const box = el('div', { class: 'identity' }, t.real_name ? '实名举报：身份信息已加密保存' : '匿名举报');
    if (!t.real_name || !['intake', 'leader'].includes(st.me.role)) return box;
    if (revealed) return box.append(whoList(revealed)), box;
    const reason = el('input', { name: 'why', placeholder: '查看事由（将记入工单记录）', required: true, maxlength: 200 });
    const form = el('form', { class: 'inline' }, reason, el('button', { type: 'submit' }, '查看举报人身份'));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        revealed = await api('POST', '/tickets/' + encodeURIComponent(t.id) + '/identity', { reason: reason.value });
        load();
      } catch (e) { QF.notice(e.message, 'warn'); }
    });
    box.append(form);
    return box;
  }

  // The classifier's first decision: is this a matter for discipline inspection at all,
  // and if not, where it belongs.
  function scopeText(sc) {
    const words = (sc.evidence || []).map(e => e.text).join('、');
    const why = words ? '（依据：' + words + '）' : '';
    if (sc.in_scope) return '纪检监察事项' + why;
    const to = sc.transfer ? '，建议转' + sc.transfer.name + (sc.transfer.contact ? '（' + sc.transfer.contact + '）' : '') : '';
    return '非纪检监察事项' + to + why;
  }

  function render(t) {
    document.title = '清风 · ' + t.id;
    const text = el('p', { id: 'text', class: 'complaint' },
      (t.segments || []).map(s => s.category ? el('mark', { title: '依据：' + QF.categoryName(s.category), 'data-category': s.category }, s.text) : s.text));
    const facts = el('dl', { class: 'facts' },
      el('dt', {}, '状态'), el('dd', { id: 'status' }, QF.statusName(t.status)),
      el('dt', {}, '类别'), el('dd', {}, QF.categoryName(t.category)),
      el('dt', {}, '渠道'), el('dd', {}, QF.channelName(t.channel)),
      el('dt', {}, '受理时间'), el('dd', {}, QF.time(t.created_at)),
      el('dt', {}, '办理方式'), el('dd', {}, QF.modeName(t.mode), t.rule ? el('span', { class: 'muted' }, '（规则：' + t.rule + '）') : ''),
      el('dt', {}, '承办单位'), el('dd', {}, QF.bodyName(t.body)),
      el('dt', {}, '办理期限'), el('dd', {}, t.due || '—', ' ', QF.badge(t.level)),
      t.scope ? [el('dt', {}, '受理范围'), el('dd', { id: 'scope' }, scopeText(t.scope))] : '',
      el('dt', {}, '被反映人'), el('dd', {}, [t.subject.name, t.subject.position, t.subject.unit].filter(Boolean).join(' · ') || '未识别',
        t.subject.rank ? el('span', { class: 'muted' }, '（' + QF.rankName(t.subject.rank) + '）') : ''),
      el('dt', {}, '识别要素'), el('dd', {}, (t.signals || []).map(s => el('span', { class: 'chip' }, (signalNames[s.type] || s.type) + '：' + (s.value || s.text))), t.urgent ? el('span', { class: 'badge danger' }, '急') : ''),
      el('dt', {}, '关联工单'), el('dd', {}, t.related ? t.related.split(',').map(r => el('a', { href: '/staff/ticket?id=' + encodeURIComponent(r), class: 'chip' }, r)) : '无'),
      t.finding ? [el('dt', {}, '核查结论'), el('dd', {}, t.finding + (t.disposal ? ' · ' + t.disposal : '') + (t.measures ? ' · ' + t.measures : ''))] : '',
      t.reply ? [el('dt', {}, '答复'), el('dd', {}, t.reply)] : '',
      t.satisfaction ? [el('dt', {}, '回访评价'), el('dd', {}, t.satisfaction)] : '');
    const audit = el('table', { id: 'audit' }, el('thead', {}, el('tr', {}, ['时间', '操作人', '操作', '状态', '说明'].map(h => el('th', {}, h)))),
      el('tbody', {}, (t.audit || []).map(a => el('tr', {}, el('td', {}, QF.time(a.at)), el('td', {}, a.actor),
        el('td', {}, actionNames[a.action] || a.action), el('td', {}, a.from === a.to ? QF.statusName(a.to) : QF.statusName(a.from) + ' → ' + QF.statusName(a.to)),
        el('td', {}, a.note || '')))));
    const actions = el('section', { id: 'actions' }, el('h2', {}, '办理'),
      t.actions.length ? t.actions.map(a => moveForm(t, a)) : el('p', { class: 'muted' }, '当前状态下您没有可进行的操作。'));
    const side = el('aside', {}, actions, ['intake', 'handler', 'leader'].includes(st.me.role) ? correction(t) : '');
    clear(main).append(el('section', { class: 'main' }, el('h2', {}, t.id), text, identity(t), facts, el('h2', {}, '办理记录'), audit), side);
  }

  async function load() {
    try {
      render(await api('GET', '/tickets/' + encodeURIComponent(id)));
    } catch (e) {
      clear(main).append(el('p', { class: 'error' }, e.message));
    }
  }
  QF.live(ev => { if (ev.ticket === id) { QF.notice('工单已被更新'); load(); } });
  load();
})();
