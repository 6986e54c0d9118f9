// onnx-inspector report: builds the importance, waterfall, force and cohort charts as SVG and
// drives the row table. Hand-written, no library, no network.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var POS = "#ff0052", NEG = "#008bfb", IMP = "#5e6882", BAR = "#282828", GRID = "#e4e4e4";
  var COHORT = ["#1f77b4", "#ff7f0e"];
  var NS = "http://www.w3.org/2000/svg";
  var PAGE = 100;

  function fmt(v) {
    if (v === null || v === undefined) return "–";
    var a = Math.abs(v), s;
    if (a === 0) return "0";
    if (a < 1e-3 || a >= 1e5) s = v.toExponential(2);
    else s = v.toFixed(Math.max(0, Math.min(5, 2 - Math.floor(Math.log10(a)))));
    return s.replace("-", "\u2212");
  }
  // A round tick step (1, 2 or 5 times a power of ten) near `raw`.
  function niceStep(raw) {
    var p = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }
  function signed(v) { return (v >= 0 ? "+" : "") + fmt(v); }
  function el(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function html(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svgRoot(w, h, label) {
    return el("svg", { viewBox: "0 0 " + w + " " + h, role: "img", "aria-label": label, width: w, height: h });
  }
  function name(j) { return D.features[j]; }
  function short(s, n) { n = n || 28; return s.length > n ? s.slice(0, n - 1) + "\u2026" : s; }

  // Horizontal bars, one group per item; series = [{name, color, values:[{v, lo, hi}]}].
  function hbars(labels, series, caption, label) {
    var rowH = 14 * series.length + 12, left = 230, w = 900, top = 10, bottom = 44;
    var h = top + bottom + rowH * labels.length;
    var hi = 0;
    series.forEach(function (s) { s.values.forEach(function (p) { hi = Math.max(hi, p.hi !== undefined ? p.hi : p.v); }); });
    hi = hi > 0 ? hi * 1.08 : 1;
    var x = function (v) { return left + (w - left - 30) * v / hi; };
    var svg = svgRoot(w, h, label);
    var step = niceStep(hi / 5);
    for (var tv = 0; tv <= hi + step * 1e-9; tv += step) {
      var tx = x(tv);
      svg.appendChild(el("line", { x1: tx, x2: tx, y1: top, y2: h - bottom, stroke: GRID }));
      svg.appendChild(el("text", { x: tx, y: h - bottom + 16, "text-anchor": "middle", "font-size": 12 }, fmt(tv)));
    }
    svg.appendChild(el("text", { x: left + (w - left) / 2, y: h - 6, "text-anchor": "middle", "font-size": 13, fill: "#646464" }, caption));
    labels.forEach(function (lab, i) {
      var y0 = top + i * rowH + 6;
      svg.appendChild(el("text", { x: left - 8, y: y0 + rowH / 2, "text-anchor": "end", "font-size": 13, "dominant-baseline": "middle" }, short(lab)));
      series.forEach(function (s, si) {
        var p = s.values[i], y = y0 + si * 14;
        var r = el("rect", { x: left, y: y, width: Math.max(0, x(p.v) - left), height: 11, fill: s.color });
        r.appendChild(el("title", {}, lab + (s.name ? " (" + s.name + ")" : "") + ": " + fmt(p.v) +
          (p.lo !== undefined ? " [" + fmt(p.lo) + ", " + fmt(p.hi) + "]" : "")));
        svg.appendChild(r);
        if (p.lo !== undefined) {
          var yc = y + 5.5;
          svg.appendChild(el("line", { x1: x(p.lo), x2: x(p.hi), y1: yc, y2: yc, stroke: BAR, "stroke-width": 1.5 }));
          [p.lo, p.hi].forEach(function (e) { svg.appendChild(el("line", { x1: x(e), x2: x(e), y1: yc - 4, y2: yc + 4, stroke: BAR, "stroke-width": 1.5 })); });
        }
      });
    });
    return svg;
  }

  function drawImportance() {
    var imp = D.importance;
    var svg = hbars(imp.map(function (i) { return name(i.feature); }),
      [{ name: "", color: IMP, values: imp.map(function (i) { return { v: i.mean, lo: i.lo, hi: i.hi }; }) }],
      "mean |φ| with 95% interval", "global importance with confidence intervals");
    document.getElementById("importance-chart").appendChild(svg);
  }

  // A row's contributions, top features first, then the rest summed.
  function steps(r) {
    var s = r.t.map(function (j, i) {
      var x = r.x[i];
      return { label: short(name(j)) + (x === null ? "" : " = " + fmt(x)), phi: r.p[i], se: r.s ? r.s[i] : null };
    });
    var m = D.features.length - r.t.length;
    if (m > 0) s.push({ label: m + " other features", phi: r.rest, se: r.rest_se });
    return s;
  }

  function waterfall(r) {
    var st = steps(r), left = 260, w = 900, rowH = 26, top = 34, bottom = 46;
    var h = top + bottom + rowH * st.length;
    var pos = r.b, lo = r.b, hi = r.b;
    var from = [];
    for (var i = st.length - 1; i >= 0; i--) {
      from[i] = pos; pos += st[i].phi;
      var se = st[i].se || 0;
      lo = Math.min(lo, pos - se, from[i]); hi = Math.max(hi, pos + se, from[i]);
    }
    var pad = (hi - lo) * 0.12 || 1;
    lo -= pad; hi += pad;
    var x = function (v) { return left + (w - left - 30) * (v - lo) / (hi - lo); };
    var svg = svgRoot(w, h, "waterfall of row " + r.r);
    svg.setAttribute("class", "waterfall");
    [[r.b, "E[f(X)] = " + fmt(r.b), h - bottom + 30], [r.f, "f(x) = " + fmt(r.f), 22]].forEach(function (l) {
      svg.appendChild(el("line", { x1: x(l[0]), x2: x(l[0]), y1: top - 6, y2: h - bottom + 4, stroke: "#969696", "stroke-dasharray": "4 3" }));
      svg.appendChild(el("text", { x: x(l[0]), y: l[2], "text-anchor": "middle", "font-size": 13 }, l[1]));
    });
    st.forEach(function (s, i) {
      var y = top + i * rowH, a = from[i], b = from[i] + s.phi;
      var color = s.phi >= 0 ? POS : NEG;
      svg.appendChild(el("text", { x: left - 8, y: y + rowH / 2, "text-anchor": "end", "font-size": 13, "dominant-baseline": "middle" }, s.label));
      var rect = el("rect", { x: Math.min(x(a), x(b)), y: y + 4, width: Math.max(1, Math.abs(x(b) - x(a))), height: rowH - 8, fill: color, "class": "step" });
      rect.appendChild(el("title", {}, s.label + ": φ " + signed(s.phi) + (s.se ? " ± " + fmt(s.se) : "")));
      svg.appendChild(rect);
      var tx = s.phi >= 0 ? Math.max(x(a), x(b)) + 4 : Math.min(x(a), x(b)) - 4;
      if (s.se) {
        var yc = y + rowH / 2;
        svg.appendChild(el("line", { x1: x(b - s.se), x2: x(b + s.se), y1: yc, y2: yc, stroke: BAR, "stroke-width": 1.5, "class": "errorbar" }));
        tx = s.phi >= 0 ? Math.max(tx, x(b + s.se) + 4) : Math.min(tx, x(b - s.se) - 4);
      }
      svg.appendChild(el("text", { x: tx, y: y + rowH / 2, "text-anchor": s.phi >= 0 ? "start" : "end", "font-size": 12, "dominant-baseline": "middle" }, signed(s.phi)));
    });
    return svg;
  }

  // One line: red pushes from the left up to f(x), blue from the right down to it (shap's force plot).
  function force(r, w, h, labels) {
    var st = steps(r).slice().sort(function (a, b) { return Math.abs(b.phi) - Math.abs(a.phi); });
    var P = 0, N = 0;
    st.forEach(function (s) { if (s.phi >= 0) P += s.phi; else N += s.phi; });
    var lo = Math.min(r.b + N, r.f, r.b), hi = Math.max(r.b + P, r.f, r.b);
    if (hi - lo <= 0) hi = lo + 1;
    var x = function (v) { return 4 + (w - 8) * (v - lo) / (hi - lo); };
    var svg = svgRoot(w, h, "force view of row " + r.r);
    svg.setAttribute("class", "force");
    var barY = labels ? 18 : 2, barH = labels ? h - 36 : h - 4;
    var right = r.f, left = r.f;
    st.forEach(function (s) {
      var a, b;
      if (s.phi >= 0) { b = right; a = right - s.phi; right = a; } else { a = left; b = left - s.phi; left = b; }
      if (s.phi >= 0) { a = Math.min(a, b); }
      var rect = el("rect", { x: x(Math.min(a, b)), y: barY, width: Math.max(0.5, Math.abs(x(b) - x(a))), height: barH, fill: s.phi >= 0 ? POS : NEG, stroke: "#fff", "stroke-width": 0.6 });
      rect.appendChild(el("title", {}, s.label + ": " + signed(s.phi)));
      svg.appendChild(rect);
      if (labels && Math.abs(x(b) - x(a)) > 110) {
        svg.appendChild(el("text", { x: (x(a) + x(b)) / 2, y: h - 4, "text-anchor": "middle", "font-size": 11 }, short(s.label, 16)));
      }
    });
    svg.appendChild(el("line", { x1: x(r.f), x2: x(r.f), y1: 0, y2: h, stroke: "#212121", "stroke-width": 2 }));
    if (labels) {
      svg.appendChild(el("text", { x: x(r.f), y: 12, "text-anchor": "middle", "font-size": 12, "font-weight": "bold" }, "f(x) = " + fmt(r.f)));
      svg.appendChild(el("line", { x1: x(r.b), x2: x(r.b), y1: barY - 4, y2: barY + barH + 4, stroke: "#969696", "stroke-dasharray": "3 2" }));
    }
    return svg;
  }

  // ---- the row table
  var cols = [
    { key: "r", title: "Row", num: true, get: function (r) { return r.r; } },
    { key: "k", title: "Predicted output", get: function (r) { return D.outputs[r.k]; } },
    { key: "f", title: "f(x)", num: true, get: function (r) { return r.f; } }
  ];
  if (D.label_kind) cols.push({ key: "y", title: "Label", num: true, get: function (r) { return r.y; } });
  if (D.label_kind === "class" || D.label_kind === "binary")
    cols.push({ key: "ok", title: "Correct", get: function (r) { return r.ok ? 1 : 0; } });
  cols.push({ key: "top", title: "Top features (φ)", get: function (r) { return Math.abs(r.p[0] || 0); } });
  cols.push({ key: "force", title: "Force", sortable: false });

  var sortKey = "r", sortDir = 1, shown = PAGE, selected = null;
  var table = document.getElementById("row-table");
  var thead = table.querySelector("thead"), tbody = table.querySelector("tbody");
  var filterBox = document.getElementById("filter"), outFilter = document.getElementById("output-filter");
  var wrongOnly = document.getElementById("wrong-only"), more = document.getElementById("more");

  function header() {
    var tr = html("tr");
    cols.forEach(function (c) {
      var th = html("th", { scope: "col" });
      if (c.sortable === false) { th.textContent = c.title; }
      else {
        var b = html("button", { type: "button", "data-key": c.key }, c.title);
        b.addEventListener("click", function () {
          if (sortKey === c.key) sortDir = -sortDir; else { sortKey = c.key; sortDir = c.num ? -1 : 1; }
          shown = PAGE; render();
        });
        th.appendChild(b);
        th.setAttribute("aria-sort", sortKey === c.key ? (sortDir > 0 ? "ascending" : "descending") : "none");
      }
      tr.appendChild(th);
    });
    thead.replaceChildren(tr);
  }

  function matches(r) {
    var q = filterBox.value.trim().toLowerCase();
    if (outFilter.value !== "" && String(r.k) !== outFilter.value) return false;
    if (wrongOnly && wrongOnly.checked && r.ok !== false) return false;
    if (!q) return true;
    var text = [String(r.r), D.outputs[r.k]].concat(r.t.map(name)).join(" ").toLowerCase();
    return q.split(/\s+/).every(function (w) { return text.indexOf(w) >= 0; });
  }

  function topText(r) {
    return r.t.slice(0, 3).map(function (j, i) { return short(name(j), 20) + " " + signed(r.p[i]); }).join(", ");
  }

  function render() {
    header();
    var col = cols.filter(function (c) { return c.key === sortKey; })[0];
    var rows = D.rows.filter(matches);
    rows.sort(function (a, b) {
      var x = col.get(a), y = col.get(b);
      if (x === y) return a.r - b.r;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * sortDir;
    });
    var frag = document.createDocumentFragment();
    rows.slice(0, shown).forEach(function (r) {
      var tr = html("tr", { tabindex: "0", "data-row": r.r, "aria-selected": selected === r ? "true" : "false" });
      tr.appendChild(html("td", { "class": "num" }, String(r.r)));
      tr.appendChild(html("td", {}, D.outputs[r.k]));
      tr.appendChild(html("td", { "class": "num" }, fmt(r.f)));
      if (D.label_kind) tr.appendChild(html("td", { "class": "num" }, fmt(r.y)));
      if (D.label_kind === "class" || D.label_kind === "binary")
        tr.appendChild(html("td", { "class": r.ok ? "right" : "wrong" }, r.ok ? "yes" : "no"));
      tr.appendChild(html("td", {}, topText(r)));
      var f = html("td");
      f.appendChild(force(r, 160, 16, false));
      tr.appendChild(f);
      tr.addEventListener("click", function () { choose(r, tr); });
      tr.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(r, tr); }
      });
      frag.appendChild(tr);
    });
    tbody.replaceChildren(frag);
    document.getElementById("row-count").textContent = Math.min(shown, rows.length) + " of " + rows.length +
      " matching rows shown (" + D.rows.length + " in this page, " + D.n_total + " in the run)";
    more.hidden = rows.length <= shown;
  }

  function choose(r, tr) {
    selected = r;
    Array.prototype.forEach.call(tbody.querySelectorAll("tr"), function (t) { t.setAttribute("aria-selected", "false"); });
    tr.setAttribute("aria-selected", "true");
    var d = document.getElementById("detail");
    d.replaceChildren();
    var title = "Row " + r.r + ": output " + D.outputs[r.k] + ", f(x) = " + fmt(r.f) + ", E[f(X)] = " + fmt(r.b);
    if (r.y !== null && r.y !== undefined) title += ", label " + fmt(r.y) + (r.ok === false ? " (misclassified)" : "");
    d.appendChild(html("h3", {}, title));
    var pair = html("div", { "class": "pair" });
    var w = html("div");
    w.appendChild(waterfall(r));
    if (D.has_se) w.appendChild(html("p", { "class": "note-small" }, "Bars: ±1 standard error of each φ."));
    pair.appendChild(w);
    var tpl = document.getElementById("overlay-" + r.r);
    if (tpl) { var o = html("div", { "class": "overlay" }); o.appendChild(tpl.content.cloneNode(true)); pair.appendChild(o); }
    d.appendChild(pair);
    d.appendChild(html("h4", {}, "Force view"));
    d.appendChild(force(r, 900, 56, true));
  }

  // ---- cohorts
  var bySel = document.getElementById("cohort-by"), opSel = document.getElementById("cohort-op");
  var thr = document.getElementById("cohort-threshold");
  var splitters = [{ label: "prediction f(x)", get: function (r) { return r.f; } }];
  if (D.label_kind) splitters.push({ label: "label", get: function (r) { return r.y; } });
  D.cohort.forEach(function (j, i) {
    if (D.rows.length && D.rows[0].cx[i] !== null)
      splitters.push({ label: "feature " + name(j), get: function (r) { return r.cx[i]; } });
  });
  splitters.forEach(function (s, i) { bySel.appendChild(html("option", { value: String(i) }, s.label)); });

  function median(v) {
    var s = v.slice().sort(function (a, b) { return a - b; });
    return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
  }
  function stats(rows, i) {
    var n = rows.length, m = 0, q = 0;
    rows.forEach(function (r) { m += Math.abs(r.c[i]); });
    m /= n;
    rows.forEach(function (r) { q += Math.pow(Math.abs(r.c[i]) - m, 2); });
    var half = n > 1 ? 1.96 * Math.sqrt(q / (n - 1) / n) : 0;
    return { v: m, lo: Math.max(0, m - half), hi: m + half };
  }
  function drawCohorts() {
    var s = splitters[Number(bySel.value)], t = Number(thr.value);
    var ge = opSel.value === "ge";
    var inA = function (r) { var v = s.get(r); return v !== null && (ge ? v >= t : v < t); };
    var a = D.rows.filter(inA), b = D.rows.filter(function (r) { return !inA(r); });
    var box = document.getElementById("cohort-chart");
    box.replaceChildren();
    var cond = s.label + " " + (ge ? "≥" : "<") + " " + fmt(t);
    if (!a.length || !b.length) {
      box.appendChild(html("p", {}, "One cohort is empty (" + a.length + " rows where " + cond + ", " + b.length + " others): choose another threshold."));
      return;
    }
    var names = ["A: " + cond + " (" + a.length + " rows)", "B: the other " + b.length + " rows"];
    var legend = html("p", { "class": "legend" });
    names.forEach(function (nm, i) { var sp = html("span"); var sw = html("i"); sw.style.background = COHORT[i]; sp.appendChild(sw); sp.appendChild(document.createTextNode(nm)); legend.appendChild(sp); });
    box.appendChild(legend);
    box.appendChild(hbars(D.cohort.map(name), [a, b].map(function (rows, ci) {
      return { name: names[ci], color: COHORT[ci], values: D.cohort.map(function (_, i) { return stats(rows, i); }) };
    }), "mean |φ| per cohort with 95% interval", "cohort comparison"));
  }
  function resetThreshold() {
    var s = splitters[Number(bySel.value)];
    thr.value = String(median(D.rows.map(s.get).filter(function (v) { return v !== null; })));
    drawCohorts();
  }

  filterBox.addEventListener("input", function () { shown = PAGE; render(); });
  outFilter.addEventListener("change", function () { shown = PAGE; render(); });
  if (wrongOnly) wrongOnly.addEventListener("change", function () { shown = PAGE; render(); });
  more.addEventListener("click", function () { shown += PAGE; render(); });
  bySel.addEventListener("change", resetThreshold);
  opSel.addEventListener("change", drawCohorts);
  thr.addEventListener("input", drawCohorts);

  drawImportance();
  render();
  resetThreshold();
  var first = tbody.querySelector("tr");
  if (first) choose(D.rows.filter(function (r) { return String(r.r) === first.getAttribute("data-row"); })[0], first);
})();
