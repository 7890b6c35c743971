// Rampart security console. Everything here comes from the console's own
// origin; data is written with textContent only, never as HTML.
"use strict";
(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const MAX_EVENTS = 500;
  const state = {
    token: "",          // kept in memory only: no cookie, no storage
    events: [],         // newest first
    pending: [],        // arrived while the table was paused
    paused: false,
    filter: null,       // {field, value, label}
    expanded: new Set(),
    window: 900,
    summaryTimer: null,
    summaryBusy: false,
    streamAbort: null,
    needLogin: false,
  };
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function headers() {
    const h = { Accept: "application/json" };
    if (state.token) h.Authorization = "Bearer " + state.token;
    return h;
  }
  function fmtTime(v) {
    const d = typeof v === "number" ? new Date(v * 1000) : new Date(v);
    if (isNaN(d)) return "";
    return d.toLocaleTimeString([], { hour12: false });
  }

  // --- access ---------------------------------------------------------
  function askToken(message) {
    state.needLogin = true;
    $("main").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    $("token").focus();
    setStream("error", "Live: locked");
  }
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.token = $("token").value.trim();
    $("token").value = "";
    state.needLogin = false;
    $("login").hidden = true;
    $("main").hidden = false;
    refresh();
    connect();
  });

  // --- summary --------------------------------------------------------
  async function refresh() {
    if (state.summaryBusy || state.needLogin) return;
    state.summaryBusy = true;
    try {
      const res = await fetch("api/summary?window=" + state.window, { headers: headers(), cache: "no-store", credentials: "omit" });
      if (res.status === 401) { askToken(state.token ? "That token was refused." : ""); return; }
      if (!res.ok) { setPill("health-gateway", "error", "Gateway: console error " + res.status); return; }
      render(await res.json());
    } catch (e) {
      setPill("health-gateway", "error", "Gateway: unreachable");
    } finally {
      state.summaryBusy = false;
    }
  }
  function soon() {
    if (state.summaryTimer) return;
    state.summaryTimer = setTimeout(() => { state.summaryTimer = null; refresh(); }, 250);
  }

  function setPill(id, st, text) {
    const p = $(id);
    p.dataset.state = st;
    p.textContent = text;
  }

  function render(s) {
    const h = s.health || {};
    setPill("health-gateway", "ok", "Gateway: " + (h.gateway || "serving"));
    if (h.ready) {
      setPill("health-ready", h.ready === "ready" ? "ok" : "failing",
        h.ready === "ready" ? "Ready" : "Not ready: " + (h.not_ready || []).join("; "));
    } else {
      setPill("health-ready", "unknown", "Readiness: not reported");
    }
    setPill("health-upstreams", h.upstreams === "ok" ? "ok" : "failing",
      "Upstreams: " + h.upstreams + (h.upstreams !== "ok" && h.upstream_reason ? " (" + h.upstream_reason + ")" : ""));
    const stores = h.stores || [];
    const down = stores.filter((x) => x.state === "down");
    setPill("health-store", down.length ? "down" : "ok",
      "Store: " + (down.length ? down.map((x) => x.name).join(", ") + " down" : stores.length ? "up" : "ok"));
    setPill("health-idp", h.idp === "ok" ? "ok" : "failing",
      "IdP: " + h.idp + (h.idp !== "ok" && h.idp_reason ? " (" + h.idp_reason + ")" : ""));

    const t = s.totals || {};
    $("total-requests").textContent = t.requests || 0;
    $("total-refusals").textContent = t.refusals || 0;
    $("total-5xx").textContent = t.errors_5xx || 0;
    $("latency").textContent = t.requests ? t.latency_mean_ms.toFixed(1) + " / " + t.latency_max_ms.toFixed(1) : "–";
    chart(s.series || [], s.resolution_s || 10);
    owasp(s.by_owasp || []);
    byEvent(s.by_event || []);
    top("top-ips", s.top_client_ips, "client_net", "client");
    top("top-subjects", s.top_subjects, "subject", "subject");
    top("top-routes", s.top_routes, "route", "route");
    lockouts(s.lockouts || []);
    policies(s.rate_limit_policies || []);
    configHistory(s.config_history || []);
    $("config-version").textContent = s.config_version ? "(version " + s.config_version + " since start)" : "";
    if (state.events.length === 0 && (s.recent_events || []).length) {
      state.events = s.recent_events.slice().reverse().slice(0, MAX_EVENTS);
      drawEvents();
    }
  }

  function chart(series, res) {
    const c = $("chart");
    c.replaceChildren();
    const W = 600, H = 150, top = 4, bottom = 2;
    let max = 0;
    for (const p of series) max = Math.max(max, p.requests, p.refusals);
    const perSec = (n) => n / res;
    const ymax = Math.max(perSec(max), 0.1);
    const x = (i) => (series.length <= 1 ? 0 : (i * W) / (series.length - 1));
    const y = (n) => top + (H - top - bottom) * (1 - perSec(n) / ymax);
    for (const f of [0, 0.5, 1]) {
      const yy = top + (H - top - bottom) * f;
      c.append(svg("line", { x1: 0, x2: W, y1: yy, y2: yy, class: "grid" }));
    }
    $("chart-max").textContent = ymax.toFixed(ymax < 10 ? 1 : 0) + "/s";
    $("chart-start").textContent = series.length ? fmtTime(series[0].t) : "";
    $("chart-end").textContent = series.length ? fmtTime(series[series.length - 1].t) : "";
    const pts = (key) => series.map((p, i) => x(i).toFixed(1) + "," + y(p[key]).toFixed(1)).join(" ");
    if (series.length > 1) {
      c.append(svg("polygon", { points: "0," + y(0) + " " + pts("requests") + " " + W + "," + y(0), class: "reqfill" }));
      c.append(svg("polyline", { points: pts("requests"), class: "req" }));
      c.append(svg("polyline", { points: pts("refusals"), class: "ref" }));
    }
    const total = series.reduce((a, p) => [a[0] + p.requests, a[1] + p.refusals], [0, 0]);
    c.setAttribute("aria-label", "Requests and refusals per second over the window: " + total[0] + " requests, " + total[1] + " refusals");
  }

  function bar(count, max) {
    const s = svg("svg", { viewBox: "0 0 100 4", preserveAspectRatio: "none", "aria-hidden": "true" });
    s.append(svg("rect", { x: 0, y: 0, width: 100, height: 4, class: "bg" }));
    s.append(svg("rect", { x: 0, y: 0, width: max ? (100 * count) / max : 0, height: 4, class: "fg" }));
    return s;
  }

  function owasp(cats) {
    const ul = $("owasp");
    const max = Math.max(0, ...cats.map((c) => c.count));
    ul.replaceChildren(...cats.map((c) => {
      const li = el("li", { "data-owasp": c.id, "data-zero": String(c.count === 0) });
      const b = el("button", { type: "button", title: c.id + " " + c.name, "aria-label": c.id + " " + c.name + ": " + c.count + ". Filter events." });
      b.append(el("span", { class: "id" }, c.id.replace(":2023", "")), el("span", { class: "name" }, c.name), el("span", { class: "count" }, c.count), bar(c.count, max));
      b.addEventListener("click", () => setFilter("owasp", c.id, c.id + " " + c.name));
      li.append(b);
      return li;
    }));
  }

  function byEvent(rows) {
    const ul = $("by-event");
    const max = Math.max(0, ...rows.map((c) => c.count));
    if (!rows.length) { ul.replaceChildren(el("li", { class: "plain" }, "No security events in this window.")); return; }
    ul.replaceChildren(...rows.map((r) => {
      const li = el("li", { "data-event": r.name });
      const b = el("button", { type: "button", "aria-label": r.name + ": " + r.count + ". Filter events." });
      const name = el("span", { class: "name" }, r.name);
      b.append(name, el("span", { class: "count" }, r.count), bar(r.count, max));
      b.addEventListener("click", () => setFilter("event", r.name, r.name));
      li.append(b);
      return li;
    }));
  }

  function emptyRow(tbody, cols, text) {
    const tr = el("tr", { class: "empty" });
    tr.append(el("td", { colspan: cols }, text));
    tbody.replaceChildren(tr);
  }

  function top(id, rows, field, what) {
    const tbody = $(id).tBodies[0];
    rows = rows || [];
    if (!rows.length) { emptyRow(tbody, 2, "No refusals."); return; }
    tbody.replaceChildren(...rows.map((r) => {
      const tr = el("tr", { "data-key": r.key });
      const td = el("td");
      const pressed = !!(state.filter && state.filter.field === field && state.filter.value === r.key);
      const b = el("button", { type: "button", class: "link", "aria-pressed": String(pressed), "aria-label": "Show events of " + what + " " + r.key }, r.key);
      b.addEventListener("click", () => setFilter(field, r.key, what + " " + r.key));
      td.append(b);
      tr.append(td, el("td", { class: "n", title: r.error ? "may overstate by up to " + r.error : "" }, r.count));
      return tr;
    }));
  }

  function lockouts(rows) {
    const tbody = $("lockouts").tBodies[0];
    if (!rows.length) { emptyRow(tbody, 4, "No lockout in force."); return; }
    tbody.replaceChildren(...rows.map((l) => {
      const tr = el("tr", { "data-locked-by": l.locked_by });
      const who = l.locked_by === "username" ? "user #" + (l.username_hash || "?") : l.client_ip;
      tr.append(el("td", {}, l.locked_by === "username" ? "username" : "client IP"), el("td", {}, who), el("td", {}, l.route || ""), el("td", {}, fmtTime(l.until) + " (" + l.lockout + ")"));
      return tr;
    }));
  }

  function policies(rows) {
    const tbody = $("policies").tBodies[0];
    if (!rows.length) { emptyRow(tbody, 2, "No rate-limit refusals."); return; }
    tbody.replaceChildren(...rows.map((p) => {
      const tr = el("tr");
      tr.append(el("td", {}, p.key), el("td", { class: "n" }, p.count));
      return tr;
    }));
  }

  function configHistory(rows) {
    const ul = $("config-history");
    if (!rows.length) { ul.replaceChildren(el("li", {}, "No reload since start.")); return; }
    ul.replaceChildren(...rows.slice().reverse().slice(0, 5).map((c) =>
      el("li", {}, fmtTime(c.time) + " " + (c.event === "config.reloaded" ? "reloaded" : "rejected (" + c.problems + " problems)"))));
  }

  // --- live events ----------------------------------------------------
  function setFilter(field, value, label) {
    const same = state.filter && state.filter.field === field && state.filter.value === value;
    applyFilter(same ? null : { field, value, label });
  }
  function applyFilter(f) {
    state.filter = f;
    $("filter").hidden = !f;
    $("filter-text").textContent = f ? f.label : "";
    const fields = { "top-ips": "client_net", "top-subjects": "subject", "top-routes": "route" };
    for (const b of document.querySelectorAll(".tops button.link")) {
      const key = b.closest("tr").dataset.key;
      const field = fields[b.closest("table").id];
      b.setAttribute("aria-pressed", String(!!(f && f.field === field && f.value === key)));
    }
    drawEvents();
  }
  $("filter-clear").addEventListener("click", () => applyFilter(null));

  function matches(e) {
    const f = state.filter;
    return !f || String(e[f.field] === undefined ? "" : e[f.field]) === f.value;
  }

  function eventKey(e) { return (e.time || "") + "|" + (e.request_id || "") + "|" + (e.event || ""); }

  function drawEvents() {
    const tbody = $("events").tBodies[0];
    const rows = [];
    let shown = 0;
    for (const e of state.events) {
      if (!matches(e)) continue;
      if (++shown > 200) break;
      const key = eventKey(e);
      const open = state.expanded.has(key);
      const tr = el("tr", { class: "row", "data-event": e.event || "" });
      if (e.owasp) tr.setAttribute("data-owasp", e.owasp);
      const tdTime = el("td");
      const b = el("button", { type: "button", class: "link", "aria-expanded": String(open), "aria-label": "Details of " + (e.event || "event") + " at " + fmtTime(e.time) }, fmtTime(e.time));
      b.addEventListener("click", () => {
        if (state.expanded.has(key)) state.expanded.delete(key); else state.expanded.add(key);
        drawEvents();
      });
      tdTime.append(b);
      tr.append(tdTime, el("td", {}, e.event || ""), el("td", {}, e.owasp || ""), el("td", { class: "n" }, e.status || ""),
        el("td", { class: "client" }, e.client_ip || ""), el("td", {}, e.route || e.path || ""), el("td", {}, e.reason || ""));
      rows.push(tr);
      if (open) {
        const d = el("tr", { class: "detail" });
        const td = el("td", { colspan: 7 });
        const dl = el("dl");
        for (const k of Object.keys(e).sort()) dl.append(el("dt", {}, k), el("dd", {}, typeof e[k] === "object" ? JSON.stringify(e[k]) : e[k]));
        td.append(dl);
        d.append(td);
        rows.push(d);
      }
    }
    if (!rows.length) {
      const tr = el("tr", { class: "empty" });
      tr.append(el("td", { colspan: 7 }, state.filter ? "No event matches the filter." : "Waiting for security events…"));
      rows.push(tr);
    }
    tbody.replaceChildren(...rows);
  }

  function addEvent(e) {
    if (state.paused) {
      state.pending.unshift(e);
      if (state.pending.length > MAX_EVENTS) state.pending.length = MAX_EVENTS;
      $("paused").textContent = "Paused: " + state.pending.length + " new";
    } else {
      state.events.unshift(e);
      if (state.events.length > MAX_EVENTS) state.events.length = MAX_EVENTS;
      drawSoon();
    }
    soon();
  }
  // A burst of events redraws the table once per frame, not once per event.
  let drawPending = false;
  function drawSoon() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; drawEvents(); });
  }

  function setPaused(p) {
    if (state.paused === p) return;
    state.paused = p;
    if (!p && state.pending.length) {
      state.events = state.pending.concat(state.events).slice(0, MAX_EVENTS);
      state.pending = [];
      drawEvents();
    }
    $("paused").textContent = p ? "Paused while the pointer or focus is on the table" : "";
  }
  const wrap = $("event-wrap");
  wrap.addEventListener("mouseenter", () => setPaused(true));
  wrap.addEventListener("mouseleave", () => setPaused(wrap.contains(document.activeElement)));
  wrap.addEventListener("focusin", () => setPaused(true));
  wrap.addEventListener("focusout", (ev) => { if (!wrap.contains(ev.relatedTarget) && !wrap.matches(":hover")) setPaused(false); });

  // --- stream: fetch streaming, since EventSource cannot send a header --
  function setStream(st, text) { setPill("stream-state", st, text); }

  async function connect() {
    if (state.streamAbort) state.streamAbort.abort();
    const ctl = new AbortController();
    state.streamAbort = ctl;
    let delay = 1000;
    while (!ctl.signal.aborted && !state.needLogin) {
      try {
        const res = await fetch("events/stream", { headers: Object.assign(headers(), { Accept: "text/event-stream" }), signal: ctl.signal, cache: "no-store", credentials: "omit" });
        if (res.status === 401) { askToken(state.token ? "That token was refused." : ""); return; }
        if (!res.ok || !res.body) throw new Error("stream " + res.status);
        setStream("ok", "Live");
        delay = 1000;
        await read(res.body.getReader());
      } catch (e) {
        if (ctl.signal.aborted) return;
      }
      setStream("error", "Live: reconnecting");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }

  async function read(reader) {
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const msg = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let type = "message", data = "";
        for (const line of msg.split("\n")) {
          if (line.startsWith("event: ")) type = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (type === "event" && data) {
          try { addEvent(JSON.parse(data)); } catch (e) { /* not an event */ }
        } else if (type === "dropped") {
          setStream("error", "Live: " + data + " events dropped (this page fell behind)");
        }
      }
    }
  }

  $("window").addEventListener("change", (ev) => { state.window = Number(ev.target.value) || 900; refresh(); });

  drawEvents();
  refresh();
  connect();
  setInterval(refresh, 1000);
})();
