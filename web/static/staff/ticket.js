'use strict';
// The ticket page. It is drawn once and then changed field by field: a change, made here
// or by someone else, never recreates a form, so nothing being typed is lost. Changes
// others make are named in one banner; a move that a change has made impossible says so
// on its form.
(async () => {
  const { el, clear, api, name } = QF;
  const st = await QF.start();
  const id = new URLSearchParams(location.search).get('id') || '';
  const main = document.getElementById('ticket');
  const outcomes = st.vocab.outcomes;
  const me = st.me.username;

  let shown = null; // the version on the page

  // ---- forms -------------------------------------------------------------------------

  // select lists options after an empty first one, so nothing is chosen for the user:
  // for a required choice the empty option is a prompt the browser refuses to submit.
  const select = (name, options, required) => el('select', { name, required },
    el('option', { value: '' }, required ? '请选择' : '—'), options.map(([v, l]) => el('option', { value: v }, l)));
  // preset chooses a value as the form's starting point (not as something the user did).
  const preset = (sel, value) => {
    for (const o of sel.options) o.defaultSelected = o.value === value;
    sel.value = value;
  };
  const pairs = list => (list || []).map(x => [x, x]);
  const field = (label, input) => el('label', {}, label, input);
  const note = () => field('说明', el('textarea', { name: 'note', rows: 2, maxlength: 2000 }));

  // forms: what each move asks for (DOMAIN.md, and the lifecycle rules of intake).
  const forms = {
    accept: () => [note()],
    reject: () => [field('不予受理理由', select('reason', pairs(outcomes.RejectReasons), true)), note()],
    merge: () => [field('并入工单编号', el('input', { name: 'main_id', required: true, placeholder: 'QF-…', maxlength: 30 })), note()],
    route: t => {
      const mode = select('mode', Object.entries(st.vocab.names.mode), true);
      preset(mode, t.mode || 'assigned');
      const due = el('input', { name: 'due', type: 'date', required: true, value: st.vocab.default_due[mode.value] || '' });
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
      preset(finding, t.finding || '');
      preset(disposal, t.disposal || '');
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

  // touched: the user is editing a field of the form, or has changed anything in it.
  function touched(form) {
    const at = document.activeElement;
    if (form.contains(at) && ['INPUT', 'TEXTAREA', 'SELECT'].includes(at.tagName)) return true;
    return [...form.elements].some(x => {
      if (x.type === 'hidden' || x.tagName === 'BUTTON' || x.tagName === 'FIELDSET') return false;
      if (x.type === 'checkbox' || x.type === 'radio') return x.checked !== x.defaultChecked;
      if (x.tagName === 'SELECT') return x.options[x.selectedIndex] !== ([...x.options].find(o => o.defaultSelected) || x.options[0]);
      return x.value !== x.defaultValue;
    });
  }

  function moveForm(t, action) {
    const label = name('action', action);
    const form = el('form', { class: 'move card', 'data-action': action, 'aria-label': label },
      el('h3', {}, label), forms[action](t),
      el('button', { type: 'submit' }, '确认' + label), el('p', { class: 'error', role: 'alert' }));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      if (form.dataset.state === 'impossible') return;
      const error = form.querySelector('.error');
      error.textContent = '';
      const body = { action, version: shown.version };
      for (const [k, v] of new FormData(form).entries()) {
        if (k === 'measures') (body.measures = body.measures || []).push(v);
        else if (k === 'held' || k === 'clear') body[k] = true;
        else if (v !== '') body[k] = v;
      }
      if (body.measures) body.held = true; // measures are taken only against someone held to account
      form.dataset.state = 'sending'; // the change it makes is not one to warn this form of
      const from = shown.status;
      try {
        await api('POST', '/tickets/' + encodeURIComponent(shown.id) + '/moves', body);
      } catch (e) {
        delete form.dataset.state;
        error.textContent = e.message; // the server's words for staff, as sent
        // A change that arrived while this was on its way may have made it impossible.
        if (!actionsOf(shown).includes(action)) impossible(form, from, shown.status);
        if (e.status === 409) refresh();
        return;
      }
      QF.notice(label + '：已完成', 'new');
      drop(form); // done; the page shows what it led to
      refresh();
    });
    return form;
  }

  const moveForms = new Map(); // action → its form on the page
  const box = () => document.getElementById('moves');

  function drop(form) {
    moveForms.delete(form.dataset.action);
    form.remove();
    document.getElementById('no-moves').hidden = moveForms.size > 0;
  }

  // impossible marks a form whose move the ticket's new status no longer allows; what the
  // user typed stays, to copy, until they close it.
  function impossible(form, from, to) {
    from = form.dataset.from || from; // the status the form was made for
    form.dataset.from = from;
    form.classList.toggle('untouched', !touched(form)); // shows only what it says of itself
    form.dataset.state = 'impossible';
    form.classList.add('impossible');
    form.querySelector('button[type=submit]').disabled = true;
    let why = form.querySelector('.why');
    if (!why) {
      why = el('p', { class: 'why', role: 'alert' });
      form.querySelector('h3').after(why);
      form.append(el('button', { type: 'button', class: 'close', onclick: () => drop(form) }, '关闭此表单'));
    }
    why.textContent = '此操作已无法进行' + (from === to ? '' : `：工单状态已由“${QF.statusName(from)}”变为“${QF.statusName(to)}”`) +
      '。您填写的内容仍保留在此，可复制后关闭。';
  }

  function possible(form) {
    delete form.dataset.state;
    delete form.dataset.from;
    form.classList.remove('impossible', 'untouched');
    form.querySelector('button[type=submit]').disabled = false;
    form.querySelector('.why')?.remove();
    form.querySelector('button.close')?.remove();
  }

  // actionsOf: the moves offered. A follow-up (回访) is not offered once the ticket is
  // archived, although the lifecycle still allows it there.
  const actionsOf = t => t.actions.filter(a => forms[a] && !(a === 'follow_up' && t.status === 'closed'));

  // syncMoves adds the forms of newly allowed moves in lifecycle order, and leaves every
  // form already on the page as it is. One no longer allowed says so, unless the change
  // was this user's own and the form is untouched: then it goes.
  function syncMoves(t, before, own) {
    const allowed = actionsOf(t);
    for (const [action, form] of [...moveForms]) {
      if (form.dataset.state === 'sending') continue;
      if (allowed.includes(action)) {
        if (form.dataset.state === 'impossible') possible(form);
      } else if (own && !touched(form)) {
        drop(form);
      } else if (before) {
        impossible(form, before.status, t.status);
      }
    }
    allowed.forEach((action, i) => {
      if (moveForms.has(action)) return;
      const form = moveForm(t, action);
      moveForms.set(action, form);
      const next = allowed.slice(i + 1).map(a => moveForms.get(a)).find(f => f && f.isConnected);
      box().insertBefore(form, next || null);
    });
    document.getElementById('no-moves').hidden = moveForms.size > 0;
  }

  // ---- correction --------------------------------------------------------------------

  let correction = null;
  function correctionForm() {
    const cat = select('category', st.vocab.categories.map(c => [c.ID, c.Name]), true);
    const input = key => el('input', { name: key, maxlength: 100 });
    const form = el('form', { class: 'card', id: 'correct', 'aria-labelledby': 'correct-title' }, el('h3', { id: 'correct-title' }, '更正分类和被反映人'),
      field('类别', cat), field('姓名', input('name')), field('职务', input('position')),
      field('单位', input('unit')), el('button', { type: 'submit' }, '保存更正'), el('p', { class: 'error', role: 'alert' }));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const error = form.querySelector('.error');
      error.textContent = '';
      const fd = new FormData(form);
      try {
        await api('POST', '/tickets/' + encodeURIComponent(shown.id) + '/correction', { version: shown.version, category: fd.get('category'),
          subject: { name: fd.get('name'), position: fd.get('position'), unit: fd.get('unit') } });
      } catch (e) {
        error.textContent = e.message;
        if (e.status === 409) refresh();
        return;
      }
      QF.notice('更正已保存，将用于改进自动分类', 'new');
      // Saved: what the form shows is the ticket's now, and it follows the ticket again.
      preset(form.elements.category, form.elements.category.value);
      for (const k of ['name', 'position', 'unit']) form.elements[k].defaultValue = form.elements[k].value;
      refresh();
    });
    return form;
  }

  // syncCorrection shows the ticket's values in the correction form, unless the user is
  // editing it.
  function syncCorrection(t) {
    if (!correction || touched(correction)) return;
    const f = correction.elements;
    preset(f.category, t.category);
    for (const k of ['name', 'position', 'unit']) f[k].value = f[k].defaultValue = t.subject[k] || '';
  }

  // ---- the reporter's identity -------------------------------------------------------

  const whoList = who => el('dl', { class: 'who' }, el('dt', {}, '姓名'), el('dd', {}, who.name || '—'),
    el('dt', {}, '电话'), el('dd', {}, who.phone || '—'), el('dt', {}, '证件号'), el('dd', {}, who.id_number || '—'),
    who.contact ? [el('dt', {}, '其他联系方式'), el('dd', {}, who.contact)] : '');

  function identity(t) {
    const box = clear(document.getElementById('identity'));
    box.append(t.real_name ? '实名举报：身份信息已加密保存' : '匿名举报');
    if (!t.real_name || !['intake', 'leader'].includes(st.me.role)) return;
    const reason = el('input', { name: 'why', placeholder: '查看事由（将记入工单记录）', required: true, maxlength: 200, 'aria-label': '查看事由' });
    const form = el('form', { class: 'inline' }, reason, el('button', { type: 'submit' }, '查看举报人身份'));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        const who = await api('POST', '/tickets/' + encodeURIComponent(shown.id) + '/identity', { reason: reason.value });
        form.replaceWith(whoList(who)); // shown until the page is left; the view is in the record
      } catch (e) { QF.notice(e.message, 'warn'); }
    });
    box.append(form);
  }

  // ---- the facts ---------------------------------------------------------------------

  // The classifier's first decision: is this a matter for discipline inspection at all,
  // and if not, where it belongs.
  function scopeText(sc) {
    const words = (sc.evidence || []).map(e => e.text).join('、');
    const why = words ? '（依据：' + words + '）' : '';
    if (sc.in_scope) return '纪检监察事项' + why;
    const to = sc.transfer ? '，建议转' + sc.transfer.name + (sc.transfer.contact ? '（' + sc.transfer.contact + '）' : '') : '';
    return '非纪检监察事项' + to + why;
  }
  const muted = text => el('span', { class: 'muted' }, text);
  const link = n => el('a', { href: '/staff/ticket?id=' + encodeURIComponent(n), class: 'chip' }, n);
  // A signal is shown as the reporter wrote it (a time's value is only its kind).
  const signal = s => el('span', { class: 'chip', 'data-signal': s.type }, name('signal', s.type) + '：' + (s.text || s.value));

  // facts: key, label, and what to show (null hides the row).
  const facts = [
    ['status', '状态', t => QF.statusName(t.status)],
    ['category', '类别', t => QF.categoryName(t.category)],
    ['channel', '渠道', t => QF.channelName(t.channel)],
    ['received', '收到时间', t => QF.time(t.created_at)],
    ['mode', '办理方式', t => [QF.modeName(t.mode), t.rule ? muted('（规则：' + name('rule', t.rule) + '）') : '']],
    ['body', '承办单位', t => QF.bodyName(t.body)],
    ['due', '办理期限', t => [t.due || '—', ' ', QF.badge(t.level)]],
    ['scope', '受理范围', t => t.scope ? scopeText(t.scope) : null],
    ['subject', '被反映人', t => [[t.subject.name, t.subject.position, t.subject.unit].filter(Boolean).join(' · ') || '未识别',
      t.subject.rank ? muted('（' + QF.rankName(t.subject.rank) + '）') : '']],
    ['signals', '识别要素', t => [(t.signals || []).map(signal), t.urgent ? el('span', { class: 'badge danger' }, '急') : '',
      (t.signals || []).length || t.urgent ? '' : '无']],
    ['related', '关联工单', t => t.related ? t.related.split(',').map(link) : '无'],
    ['finding', '核查结论', t => t.finding ? [t.finding, t.disposal, t.measures].filter(Boolean).join(' · ') : null],
    ['reply', '答复', t => t.reply || null],
    ['satisfaction', '回访评价', t => t.satisfaction || null],
  ];

  function drawFacts() {
    const dl = document.getElementById('facts');
    for (const [key, label] of facts) {
      dl.append(el('div', { 'data-fact': key }, el('dt', {}, label), el('dd', { id: key })));
    }
  }

  // syncFacts changes only the values that changed, and marks them for a moment.
  function syncFacts(t, first) {
    for (const [key, , show] of facts) {
      const dd = document.getElementById(key);
      const value = show(t);
      dd.parentElement.hidden = value === null;
      const fresh = el('dd', {}, value === null ? '' : value);
      if (fresh.innerHTML === dd.innerHTML) continue; // compared as built, never parsed
      dd.replaceChildren(...fresh.childNodes);
      if (!first) flash(dd);
    }
  }

  function flash(node) {
    node.classList.remove('fresh');
    void node.offsetWidth; // restart the animation
    node.classList.add('fresh');
  }

  let segments = '';
  function syncText(t) {
    const now = JSON.stringify(t.segments || []);
    if (now === segments) return;
    segments = now;
    clear(document.getElementById('text')).append(...(t.segments || []).map(s => s.category
      ? el('mark', { title: '依据：' + QF.categoryName(s.category), 'data-category': s.category }, s.text) : s.text));
  }

  // ---- history -----------------------------------------------------------------------

  const actor = a => a.role === 'reporter' ? QF.roleName('reporter') : a.role === 'system' ? QF.roleName('system')
    : `${a.actor}（${QF.roleName(a.role)}）`;
  // A correction's note names the categories by id (类别：lax_discipline→formalism).
  // Its note also starts with the action's own name, which the history shows already.
  const noteText = a => (a.note || '').replace(/^更正：/, '').replace(/类别：([a-z_]*)→([a-z_]+)/g,
    (_, from, to) => '类别：' + QF.categoryName(from) + '→' + QF.categoryName(to));
  const moveText = a => !a.from || a.from === a.to ? QF.statusName(a.to) : QF.statusName(a.from) + ' → ' + QF.statusName(a.to);

  let lastSeq = 0;
  // syncAudit appends the entries not yet shown and answers them.
  function syncAudit(t) {
    const audit = t.audit || [];
    const body = document.querySelector('#audit tbody');
    if (audit.length && audit[0].seq !== 1 || lastSeq > (audit.length ? audit[audit.length - 1].seq : 0)) {
      clear(body); // a history that does not continue the one shown: show it afresh
      lastSeq = 0;
    }
    const added = audit.filter(a => a.seq > lastSeq);
    for (const a of added) {
      body.append(el('tr', { 'data-seq': a.seq }, el('td', {}, QF.time(a.at)), el('td', {}, actor(a)),
        el('td', {}, name('action', a.action)), el('td', {}, moveText(a)), el('td', {}, noteText(a))));
    }
    if (added.length) lastSeq = added[added.length - 1].seq;
    return added;
  }

  // ---- the banner --------------------------------------------------------------------

  // announce adds others' changes to the one banner; it stays until dismissed.
  function announce(entries) {
    const banner = document.getElementById('changed');
    let list = banner.querySelector('ul');
    if (!list || banner.hidden) {
      list = el('ul');
      banner.replaceChildren(el('div', {}, el('strong', {}, '此工单刚被他人更新'), list),
        el('button', { type: 'button', class: 'close', onclick: () => { banner.hidden = true; } }, '知道了'));
    }
    for (const a of entries) {
      const what = [name('action', a.action), a.from && a.from !== a.to ? '（' + moveText(a) + '）' : '', a.note ? '：' + noteText(a) : ''].join('');
      list.append(el('li', {}, QF.time(a.at).slice(-8, -3) + ' ' + actor(a) + ' ' + what));
    }
    banner.hidden = false;
  }

  // ---- loading -----------------------------------------------------------------------

  function apply(t) {
    const first = !shown;
    const before = shown;
    if (first) {
      document.getElementById('loading').remove();
      drawFacts();
      identity(t);
      if (['intake', 'handler', 'leader'].includes(st.me.role)) {
        correction = correctionForm();
        document.getElementById('actions').after(correction);
      }
      for (const part of main.querySelectorAll('section.main, aside')) part.hidden = false;
    }
    document.title = '清风 · ' + t.id;
    document.getElementById('number').textContent = t.id;
    syncText(t);
    syncFacts(t, first);
    const added = syncAudit(t);
    const others = first ? [] : added.filter(a => a.actor !== me);
    shown = t;
    QF.state.ticket = t;
    syncMoves(t, before, !first && others.length === 0);
    syncCorrection(t);
    if (others.length) announce(others);
    document.dispatchEvent(new CustomEvent('qf:ticket', { detail: { ticket: t, first } }));
  }

  // refresh reads the ticket again; reads never overlap, and one asked for meanwhile
  // follows the one in flight. A version the page already shows changes nothing.
  let inFlight = null, again = false;
  function refresh() {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        try {
          const t = await api('GET', '/tickets/' + encodeURIComponent(id));
          if (!shown || t.version > shown.version) apply(t);
        } catch (e) {
          if (!shown) clear(main).append(el('p', { class: 'error', role: 'alert' }, e.message));
          else QF.notice(e.message, 'warn');
        }
      } while (again);
      inFlight = null;
    })();
    return inFlight;
  }

  QF.live(ev => { if (ev.ticket === id || ev.event === 'connected' || ev.event === 'reconnected') refresh(); });
  refresh();
})();
