/**
 * The stylesheet and script of the HTML trace view, inlined into every page
 * so that the file works offline, from a mail attachment or a CI artifact.
 * Plain DOM code, no framework: the page must open anywhere.
 */

export const VIEWER_CSS = String.raw`
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --panel:#f6f8fa;
  --cur:#ddf4ff; --curline:#0969da; --bad:#cf222e; --badbg:#ffebe9; --causal:#9a6700; --chg:#fff8c5; }
* { box-sizing: border-box; }
html, body { height:100%; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg);
  display:flex; flex-direction:column; }
header { flex:none; padding:14px 20px 10px; border-bottom:1px solid var(--line); background:var(--panel); }
h1 { font-size:17px; margin:0 0 6px; font-weight:600; }
h1 .variant { color:var(--muted); font-weight:400; }
#violation { border:1px solid var(--line); border-left:4px solid var(--bad); border-radius:6px; padding:6px 10px; background:var(--bg); color:var(--muted); }
#violation b { color:var(--bad); }
#violation.active { background:var(--badbg); color:var(--fg); border-color:var(--bad); box-shadow:0 0 0 2px rgba(207,34,46,.25); }
.controls { margin-top:8px; display:flex; gap:6px; align-items:center; flex-wrap:wrap; }
button { font:inherit; padding:3px 10px; border:1px solid var(--line); border-radius:6px; background:var(--bg); cursor:pointer; }
button:hover { background:var(--cur); }
button:disabled { opacity:.45; cursor:default; background:var(--bg); }
#pos { font-variant-numeric:tabular-nums; min-width:11em; margin-left:6px; }
.hint { color:var(--muted); font-size:12px; margin-left:auto; }
main { flex:1; min-height:0; display:grid; grid-template-columns:minmax(0,3fr) minmax(320px,2fr); gap:16px; padding:0 20px; }
main > section, main > aside { overflow:auto; min-height:0; padding:0 2px 16px; }
main > aside { padding-top:12px; }
#timeline thead th { box-shadow:0 1px 0 var(--line); }
.bad { color:var(--bad); font-weight:600; }
table { border-collapse:collapse; width:100%; }
#timeline th { text-align:left; font-weight:600; padding:4px 8px; border-bottom:2px solid var(--line); background:var(--bg); position:sticky; top:0; }
#timeline td { padding:3px 8px; border-bottom:1px solid #eef1f4; vertical-align:top; }
#timeline td.num { color:var(--muted); text-align:right; width:3.5em; font-variant-numeric:tabular-nums; white-space:nowrap; }
#timeline tr { cursor:pointer; }
#timeline td.src { color:var(--muted); font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:11px; width:16em; }
#timeline tr.future td.cell { color:#9aa4ae; }
#timeline tr.current td { background:var(--cur); }
#timeline tr.current td.num { box-shadow:inset 3px 0 0 var(--curline); color:var(--fg); font-weight:600; }
#timeline tr.causal td.num::before { content:"\25CF "; color:var(--causal); font-size:10px; }
#timeline tr.story td.num::before { content:"\2605 "; color:var(--causal); font-size:12px; }
#timeline tr.violation-row td { background:var(--badbg); color:var(--bad); font-weight:600; }
#timeline tr.violation-row.current td { box-shadow:inset 0 0 0 2px var(--bad); }
.task { display:inline-block; font-size:12px; padding:0 6px; border-radius:10px; background:#eef1f4; color:var(--muted); margin-right:4px; }
.detail { display:block; color:var(--muted); font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 12px; margin-bottom:12px; background:var(--bg); }
.card h2 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:0 0 6px; }
.ref { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; background:var(--panel); padding:2px 6px; border-radius:4px; word-break:break-all; }
.kv td { padding:2px 6px; border-bottom:1px solid #eef1f4; font-size:13px; }
.kv td:first-child { color:var(--muted); white-space:nowrap; font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
.kv tr.changed td { background:var(--chg); }
.diff li { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
.diff .old { color:var(--bad); text-decoration:line-through; }
.diff .new { color:#1a7f37; font-weight:600; }
.muted { color:var(--muted); }
.legend { font-size:12px; color:var(--muted); margin:6px 0 0; }
.legend .dot, .legend .star { color:var(--causal); }
`;

export const VIEWER_JS = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('trace-data').textContent);
  var steps = data.steps, n = steps.length;
  var causal = {};
  data.slice.forEach(function (k) { causal[k] = true; });
  var story = {};
  data.story.forEach(function (k) { story[k] = true; });
  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  function getPath(o, p) { for (var i = 0; i < p.length; i++) { if (o == null) return undefined; o = o[p[i]]; } return o; }
  function apply(o, patch) {
    var p = patch.path, t = o;
    for (var i = 0; i < p.length - 1; i++) { if (t[p[i]] == null) t[p[i]] = {}; t = t[p[i]]; }
    var k = p[p.length - 1];
    if (patch.op === 'remove') delete t[k]; else t[k] = patch.value;
  }
  // World after each position: 0 = before the first step, k = after step k.
  var worlds = [clone(data.initial)];
  for (var i = 0; i < n; i++) {
    var w = clone(worlds[i]);
    steps[i].changes.forEach(function (c) { apply(w, c); });
    worlds.push(w);
  }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function show(v) { return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v); }

  var body = document.querySelector('#timeline tbody');
  var rows = [];
  steps.forEach(function (s) {
    var tr = el('tr'); tr.dataset.step = s.step; tr.dataset.cpu = s.cpu;
    if (causal[s.step]) tr.classList.add('causal');
    if (story[s.step]) tr.classList.add('story');
    tr.appendChild(el('td', 'num', String(s.step)));
    for (var c = 0; c < data.cpus; c++) {
      var td = el('td', 'cell');
      if (c === s.cpu) {
        td.appendChild(el('span', 'task', s.task));
        td.appendChild(document.createTextNode(s.what));
        if (s.detail && s.detail !== s.what) td.appendChild(el('span', 'detail', s.detail));
      }
      tr.appendChild(td);
    }
    tr.appendChild(el('td', 'src', s.ref));
    tr.addEventListener('click', function () { go(s.step); });
    body.appendChild(tr); rows.push(tr);
  });
  var vrow = el('tr', 'violation-row'); vrow.id = 'violation-row';
  vrow.appendChild(el('td', 'num', '\u2717'));
  var vcell = el('td', null, 'VIOLATED ' + data.violation.invariant + ': ' + data.violation.message);
  vcell.colSpan = data.cpus + 1; vrow.appendChild(vcell);
  body.appendChild(vrow);

  var pos = 0;
  function kv(table, obj, changed, prefix) {
    Object.keys(obj).forEach(function (k) {
      var tr = el('tr'); if (changed[prefix + k]) tr.className = 'changed';
      tr.appendChild(el('td', null, k)); tr.appendChild(el('td', null, show(obj[k])));
      table.appendChild(tr);
    });
  }
  function render() {
    rows.forEach(function (tr, i) {
      tr.classList.toggle('current', i + 1 === pos);
      tr.classList.toggle('future', i + 1 > pos);
    });
    var atEnd = pos === n;
    vrow.classList.toggle('current', atEnd);
    document.getElementById('violation').classList.toggle('active', atEnd);
    document.getElementById('pos').textContent = pos === 0 ? 'start (before step 1) of ' + n : 'step ' + pos + ' of ' + n;
    document.getElementById('first').disabled = document.getElementById('prev').disabled = pos === 0;
    document.getElementById('last').disabled = document.getElementById('next').disabled = atEnd;

    var info = document.getElementById('step-info'); info.textContent = '';
    var diff = document.getElementById('diff'); diff.textContent = '';
    var changed = {};
    if (pos === 0) {
      info.appendChild(el('p', 'muted', 'The world before the first step. Step with \u2192 or the buttons.'));
      diff.appendChild(el('li', 'muted', 'nothing yet'));
    } else {
      var s = steps[pos - 1];
      var head = el('p'); head.appendChild(el('b', null, 'Step ' + s.step + ' \u2014 CPU' + s.cpu + ' runs ' + s.task));
      info.appendChild(head);
      info.appendChild(el('p', null, s.what + (s.detail && s.detail !== s.what ? '  (' + s.detail + ')' : '')));
      var ref = el('p'); ref.appendChild(el('span', 'muted', 'source: ')); var r = el('code', 'ref', s.ref); r.id = 'step-ref'; ref.appendChild(r);
      info.appendChild(ref);
      if (story[s.step]) info.appendChild(el('p', 'legend', '\u2605 a step of the race'));
      else if (causal[s.step]) info.appendChild(el('p', 'legend', '\u25CF the violation depends on this step'));
      if (atEnd) info.appendChild(el('p', 'bad', 'After this step: VIOLATED ' + data.violation.invariant));
      if (s.changes.length === 0) diff.appendChild(el('li', 'muted', 'no change to the world (a read, or a check)'));
      s.changes.forEach(function (c) {
        changed[c.path.join('/')] = true;
        var li = el('li'); li.appendChild(el('span', null, c.path.slice(1).join('.') + ': '));
        var old = getPath(worlds[pos - 1], c.path);
        if (old !== undefined) { li.appendChild(el('span', 'old', show(old))); li.appendChild(document.createTextNode(' \u2192 ')); }
        li.appendChild(el('span', 'new', c.op === 'remove' ? '(removed)' : show(c.value)));
        diff.appendChild(li);
      });
    }
    var w = worlds[pos];
    var cells = document.getElementById('cells'); cells.textContent = ''; kv(cells, w.cells, changed, 'cells/');
    var tasks = document.getElementById('tasks'); tasks.textContent = ''; kv(tasks, w.tasks, changed, 'tasks/');
    var cpus = document.getElementById('cpus'); cpus.textContent = '';
    Object.keys(w.cpus).forEach(function (c) {
      var v = w.cpus[c], tr = el('tr');
      if (changed['cpus/' + c + '/task'] || changed['cpus/' + c + '/irqs'] || changed['cpus/' + c + '/preempt']) tr.className = 'changed';
      tr.appendChild(el('td', null, c)); tr.appendChild(el('td', null, v.task + ', irqs ' + v.irqs + ', preempt ' + v.preempt));
      cpus.appendChild(tr);
    });
    var cur = pos === n ? vrow : rows[pos - 1];
    if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: 'nearest' });
  }
  function go(p) { pos = Math.max(0, Math.min(n, p)); render(); }
  document.getElementById('first').onclick = function () { go(0); };
  document.getElementById('prev').onclick = function () { go(pos - 1); };
  document.getElementById('next').onclick = function () { go(pos + 1); };
  document.getElementById('last').onclick = function () { go(n); };
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight' || e.key === 'j' || e.key === ' ') { go(pos + 1); e.preventDefault(); }
    else if (e.key === 'ArrowLeft' || e.key === 'k') { go(pos - 1); e.preventDefault(); }
    else if (e.key === 'Home') { go(0); e.preventDefault(); }
    else if (e.key === 'End') { go(n); e.preventDefault(); }
  });
  render();
})();
`;
