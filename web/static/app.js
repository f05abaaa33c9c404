// app.js: the page. All labeling and checking runs in worker.js (the Go
// module); this file only moves bytes, collects options and shows results.
"use strict";

const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem("aigclabel.lang") || ((navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en");
const t = (k) => (I18N[lang] && I18N[lang][k]) || I18N.en[k] || k;

// ---- the worker ----------------------------------------------------------

const engine = { ready: false, error: "", version: "" };
const pending = new Map();
let nextID = 1;
const worker = new Worker("worker.js");

worker.onmessage = (ev) => {
  const m = ev.data;
  if ("ready" in m) {
    engine.ready = m.ready;
    engine.error = m.error || "";
    engine.version = m.version || "";
    showEngine();
    if (!m.ready) for (const [, p] of pending) p.reject(new Error(engine.error));
    if (m.ready) autoRun();
    return;
  }
  const p = pending.get(m.id);
  if (!p) return;
  if (m.progress) {
    if (p.onProgress) p.onProgress(m.progress);
    return;
  }
  pending.delete(m.id);
  if (m.error !== undefined) p.reject(new Error(m.error));
  else p.resolve(m.result);
};
worker.onerror = (ev) => {
  ev.preventDefault();
  engine.ready = false;
  engine.error = ev.message || "worker failed";
  showEngine();
  for (const [, p] of pending) p.reject(new Error(engine.error));
  pending.clear();
};

// call runs op in the worker; the bytes are copied, so the caller keeps its own.
function call(op, bytes, options, onProgress) {
  return new Promise((resolve, reject) => {
    const id = nextID++;
    pending.set(id, { resolve, reject, onProgress });
    const buf = bytes.slice().buffer;
    worker.postMessage({ id, op, bytes: buf, options }, [buf]);
  });
}

function showEngine() {
  const el = $("engine");
  el.dataset.state = engine.ready ? "ready" : engine.error ? "error" : "loading";
  el.textContent = engine.ready ? t("engineReady") : engine.error ? t("engineError") + ": " + engine.error : t("engineLoading");
  el.title = engine.version ? "aigclabel.wasm " + engine.version : "";
}

// ---- language ------------------------------------------------------------

function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  $("lang").textContent = lang === "zh" ? "English" : "中文";
  $("lang").setAttribute("lang", lang === "zh" ? "en" : "zh-CN");
  showEngine();
  for (const it of items) renderItem(it);
  if (lastCheck) renderCheck();
}

$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("aigclabel.lang", lang);
  applyLang();
});

// ---- tabs ----------------------------------------------------------------

const tabs = [$("tab-label"), $("tab-check")];
function selectTab(tab) {
  for (const b of tabs) {
    const on = b === tab;
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1;
    $(b.getAttribute("aria-controls")).hidden = !on;
  }
}
for (const b of tabs) {
  b.addEventListener("click", () => selectTab(b));
  b.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const next = tabs[(tabs.indexOf(b) + 1) % tabs.length];
    selectTab(next);
    next.focus();
  });
}

// ---- kinds and names ------------------------------------------------------

// kindOf tells images, audio and text apart from the bytes, as the core does.
function kindOf(b) {
  const s = (i, n) => String.fromCharCode(...b.subarray(i, i + n));
  if (b[0] === 0xff && b[1] === 0xd8) return ["image", "image/jpeg"];
  if (s(0, 8) === "\x89PNG\r\n\x1a\n") return ["image", "image/png"];
  if (s(0, 4) === "RIFF" && s(8, 4) === "WEBP") return ["image", "image/webp"];
  if ((s(0, 4) === "RIFF" || s(0, 4) === "RF64") && s(8, 4) === "WAVE") return ["audio", "audio/wav"];
  if (s(0, 3) === "ID3" || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0)) return ["audio", "audio/mpeg"];
  return ["text", "text/plain;charset=utf-8"];
}

function labeledName(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) + "-aigc" + name.slice(dot) : name + "-aigc";
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ---- options ---------------------------------------------------------------

const form = $("opts");
const producer = $("o-producer");
producer.value = localStorage.getItem("aigclabel.producer") || "";

function options(index) {
  const o = { producer: producer.value.trim(), label: $("o-label").value };
  let id = $("o-produce-id").value.trim();
  if (id && index > 0) id += "-" + (index + 1); // one ID per content: ID, ID-2, ID-3, ...
  if (id) o["produce-id"] = id;
  if ($("o-watermark").checked) o.watermark = true;
  if ($("o-fill").checked) o["fill-propagator"] = true;
  const q = $("o-quality").value;
  if (q && q !== "92") o.quality = q;
  if ($("o-explicit").checked) {
    o.explicit = true;
    const text = $("o-text").value.trim();
    if (text) o["explicit-text"] = text;
    o.position = $("o-position").value;
    o.size = $("o-size").value;
    o.prompt = $("o-prompt").value;
    o.at = $("o-at").value === "every" ? "every:" + $("o-every").value : $("o-at").value;
    if ($("o-insert").checked) o.insert = true;
    o.style = $("o-style").value;
  }
  return o;
}

function producerOK() {
  return /^00[0-9A-Z]{25}$/.test(producer.value.trim());
}

$("o-explicit").addEventListener("change", () => { $("explicit-fields").hidden = !$("o-explicit").checked; });
$("o-at").addEventListener("change", () => { $("every-field").hidden = $("o-at").value !== "every"; });
producer.addEventListener("change", () => localStorage.setItem("aigclabel.producer", producer.value.trim()));

let liveTimer = 0;
form.addEventListener("input", (e) => {
  if (e.target.id === "o-live") return;
  clearTimeout(liveTimer);
  liveTimer = setTimeout(() => autoRun($("o-live").checked ? "all" : "new"), 700);
});
form.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!producerOK()) {
    producer.focus();
    producer.reportValidity();
    return;
  }
  runAll("all");
});

// ---- the file list ---------------------------------------------------------

const items = [];
let itemSeq = 0;

function addFile(name, bytes) {
  const [kind, mime] = kindOf(bytes);
  const it = { id: ++itemSeq, name, bytes, kind, mime, state: "queued", message: "", progress: 0,
    origURL: URL.createObjectURL(new Blob([bytes], { type: mime })), outURL: "", output: null, report: null };
  it.li = $("t-result").content.firstElementChild.cloneNode(true);
  $("results").append(it.li);
  items.push(it);
  renderItem(it);
  updateList();
}

async function addFiles(fileList) {
  for (const f of fileList) addFile(f.name, new Uint8Array(await f.arrayBuffer()));
  autoRun();
}

function removeItem(it) {
  URL.revokeObjectURL(it.origURL);
  if (it.outURL) URL.revokeObjectURL(it.outURL);
  it.li.remove();
  items.splice(items.indexOf(it), 1);
  updateList();
}

function updateList() {
  $("empty").hidden = items.length > 0;
  $("zip").hidden = items.filter((i) => i.state === "done").length < 2;
}

$("clear").addEventListener("click", () => { for (const it of [...items]) removeItem(it); });

// ---- running ---------------------------------------------------------------

let running = null;
let wanted = ""; // "new": label queued files; "all": label every file again

// autoRun labels new files, or all files again after the options changed; it
// waits for the engine and a valid producer code.
function autoRun(mode) {
  for (const it of items) if (it.state === "queued") renderProgress(it);
  if (!engine.ready || !producerOK() || items.length === 0) return;
  runAll(mode || "new");
}

function runAll(mode) {
  wanted = wanted === "all" || mode === "all" ? "all" : "new";
  if (!running) running = loop();
  return running;
}

async function loop() {
  while (wanted) {
    const mode = wanted;
    wanted = "";
    for (const it of items.filter((i) => mode === "all" || i.state === "queued")) {
      if (!items.includes(it)) continue;
      await runItem(it, options(items.indexOf(it)));
    }
  }
  running = null;
  updateList();
}

async function runItem(it, opts) {
  it.state = "working";
  it.progress = 0;
  it.message = "";
  renderItem(it);
  try {
    const res = await call("label", it.bytes, opts, (p) => {
      it.progress = p.done;
      it.message = p.stage;
      renderProgress(it);
    });
    it.output = res.output;
    delete res.output;
    it.report = res;
    if (it.outURL) URL.revokeObjectURL(it.outURL);
    it.outURL = URL.createObjectURL(new Blob([it.output], { type: it.mime }));
    it.state = "done";
    it.message = "";
  } catch (e) {
    it.state = "error";
    it.message = e.message;
  }
  renderItem(it);
}

function renderProgress(it) {
  const p = it.li.querySelector("progress");
  p.hidden = it.state !== "working";
  p.value = it.progress || 0;
  it.li.querySelector(".status").textContent =
    it.state === "working" ? t("working") + (it.message ? " " + it.message : "") :
    it.state === "error" ? t("failed") + ": " + it.message :
    it.state === "queued" ? (producerOK() ? t("queued") : t("needProducer")) : "";
}

function renderItem(it) {
  const li = it.li;
  li.dataset.state = it.state;
  li.dataset.kind = it.kind;
  if (it.report) li.dataset.format = it.report.format;
  li.querySelector(".name").textContent = it.name;
  li.querySelector(".kind").textContent = it.report ? it.report.format : it.kind;
  const v = li.querySelector(".verdict");
  v.textContent = it.report ? t("short_" + it.report.verdict) : "";
  v.dataset.verdict = it.report ? it.report.verdict : "";
  renderProgress(it);

  const pv = li.querySelector(".preview");
  pv.replaceChildren();
  if (it.kind === "image") {
    pv.append(el("figure", {}, el("img", { src: it.origURL, alt: t("original") + ": " + it.name, loading: "lazy" }), el("figcaption", {}, t("original"))));
    if (it.outURL) pv.append(el("figure", {}, el("img", { src: it.outURL, alt: t("labeled") + ": " + it.name, loading: "lazy" }), el("figcaption", {}, t("labeled"))));
  } else if (it.kind === "audio") {
    pv.append(el("figure", {}, el("figcaption", {}, t("original")), el("audio", { controls: "", preload: "none", src: it.origURL })));
    if (it.outURL) pv.append(el("figure", {}, el("figcaption", {}, t("labeled")), el("audio", { controls: "", preload: "metadata", src: it.outURL })));
  } else {
    const text = new TextDecoder().decode((it.output || it.bytes).subarray(0, 20000));
    pv.append(el("figure", { class: "text" }, el("figcaption", {}, it.output ? t("labeled") : t("original")), highlight(text)));
  }
  if (it.report) {
    const r = it.report.aigc || it.report.written;
    if (r) pv.append(el("p", { class: "meta" }, `${t("F_ProduceID")}: `, el("code", {}, r.ProduceID), ` · ${t("F_ContentProducer")}: `, el("code", {}, r.ContentProducer)));
    const found = [];
    if (it.report.explicit) found.push(`${t("explicitFound")}: ${it.report.explicit.found ? t("found") : t("notFound")}`);
    if (it.report.watermark) found.push(`${t("wmFound")}: ${it.report.watermark.found ? t("found") + " (" + it.report.watermark.payload + ")" : t("notFound")}`);
    if (found.length) pv.append(el("p", { class: "meta" }, found.join(" · ")));
  }

  const acts = li.querySelector(".result-actions");
  acts.replaceChildren();
  if (it.state === "done") {
    acts.append(el("a", { class: "button primary", href: it.outURL, download: labeledName(it.name) }, t("download")));
  }
  acts.append(el("button", { type: "button", onclick: () => removeItem(it), "aria-label": t("remove") + " " + it.name }, t("remove")));
}

// highlight shows text with the explicit label wordings marked.
function highlight(text) {
  const pre = el("pre");
  const words = ["【AI生成】", "本内容由人工智能生成", "AI-generated (AI生成)", "人工智能生成", "AI生成"];
  const custom = $("o-text").value.trim();
  if (custom) words.unshift(custom);
  const re = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  let last = 0;
  for (const m of text.matchAll(re)) {
    pre.append(text.slice(last, m.index), el("mark", {}, m[0]));
    last = m.index + m[0].length;
  }
  pre.append(text.slice(last));
  return pre;
}

$("zip").addEventListener("click", () => {
  const done = items.filter((i) => i.state === "done");
  const blob = makeZip(done.map((i) => ({ name: labeledName(i.name), data: i.output })));
  const a = el("a", { href: URL.createObjectURL(blob), download: "aigclabel.zip" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
});

// ---- picking, dropping, pasting -------------------------------------------

function wireDrop(zone, input, button, onFiles) {
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => { onFiles([...input.files]); input.value = ""; });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    onFiles([...e.dataTransfer.files]);
  });
}
wireDrop($("drop-label"), $("files-label"), $("pick-label"), addFiles);
wireDrop($("drop-check"), $("files-check"), $("pick-check"), (fs) => { if (fs[0]) check(fs[0]); });

$("paste-add").addEventListener("click", () => {
  const text = $("paste-text").value;
  if (!text) return;
  addFile($("paste-name").value.trim() || "pasted.txt", new TextEncoder().encode(text));
  $("paste-text").value = "";
  autoRun();
});
document.addEventListener("paste", (e) => {
  if ($("panel-label").hidden || e.target.closest("input, textarea")) return;
  const files = [...(e.clipboardData ? e.clipboardData.files : [])];
  if (files.length) { e.preventDefault(); addFiles(files); }
});

// ---- checking a file -------------------------------------------------------

let lastCheck = null;

async function check(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  lastCheck = { name: file.name, report: null, error: "", registry: null };
  $("check-out").replaceChildren(el("p", { class: "status" }, t("working")));
  try {
    lastCheck.report = await call("detect", bytes, { declared: $("c-declared").checked });
  } catch (e) {
    lastCheck.error = e.message;
  }
  renderCheck();
}

function renderCheck() {
  const c = lastCheck;
  const out = $("check-out");
  out.replaceChildren();
  out.append(el("h2", {}, c.name));
  if (c.error) {
    out.dataset.verdict = "error";
    out.append(el("p", { class: "error" }, t("failed") + ": " + c.error));
    return;
  }
  const r = c.report;
  out.dataset.verdict = r.verdict;
  out.append(el("p", { class: "verdict-banner", "data-verdict": r.verdict }, t("verdict_" + r.verdict)));

  const dl = el("dl", { class: "facts" });
  const fact = (k, v) => dl.append(el("dt", {}, k), el("dd", {}, v));
  fact(t("format"), r.format || "?");
  if (r.contentHash) fact(t("contentHash"), el("code", { class: "hash" }, r.contentHash));
  if (r.seal) fact(t("seal"), describeSeal(r.seal));
  if (r.watermark) fact(t("wmFound"), describeWatermark(r.watermark));
  if (r.explicit) fact(t("explicitFound"), describeExplicit(r.explicit));
  out.append(dl);

  if (r.evidence && r.evidence.length) out.append(el("h3", {}, t("evidence")), list(r.evidence));
  out.append(el("h3", {}, t("record")));
  if (r.aigc) {
    const tb = el("table", { class: "record" });
    for (const k of ["Label", "ContentProducer", "ProduceID", "ReservedCode1", "ContentPropagator", "PropagateID", "ReservedCode2"]) {
      tb.append(el("tr", {}, el("th", { scope: "row" }, t("F_" + k), el("small", {}, k)), el("td", {}, el("code", {}, r.aigc[k] || "—"))));
    }
    out.append(tb);
  } else {
    out.append(el("p", {}, t("noRecord")));
  }
  if (r.carriers && r.carriers.length) {
    out.append(el("h3", {}, t("carriers")), list(r.carriers.map((k) => `${k.kind} · ${t("offset")} ${k.offset} · ${k.length} B · ${k.valid ? t("valid") : t("invalid")}`)));
  }
  if (r.problems && r.problems.length) out.append(el("h3", {}, t("problems")), list(r.problems));
  if (r.foreign && r.foreign.length) {
    out.append(el("h3", {}, t("foreign")), list(r.foreign.map((f) => `${f.kind}${f.value ? ": " + f.value : ""} (${t("offset")} ${f.offset})`)));
  }

  // The registry, when the page is served by aigclabel serve.
  const reg = el("div", { class: "registry" });
  const id = r.aigc && r.aigc.ProduceID;
  const wm = watermarkHex(r);
  if (id) reg.append(el("button", { type: "button", onclick: () => lookup("api/v1/records/" + encodeURIComponent(id)) }, t("registryByID")));
  if (wm) reg.append(el("button", { type: "button", onclick: () => lookup("api/v1/lookup?watermark=" + encodeURIComponent(wm)) }, t("registryByWM")));
  if (id || wm) out.append(el("h3", {}, t("registry")), reg);
  if (c.registry) reg.append(c.registry);

  out.append(el("details", { class: "raw" }, el("summary", {}, t("rawJson")), el("pre", {}, JSON.stringify(r, null, 2))));
}

// describeSeal, describeWatermark and describeExplicit put the findings in
// words; the raw JSON below has every field.
function describeSeal(seal) {
  const one = (who, st) => {
    if (!st || st.status === "absent") return null;
    let s = `${t(who)}: ${t("seal_" + st.status)}`;
    if (st.keyId) s += ` (${st.keyId})`;
    if (st.detail) s += ` — ${st.detail}`;
    return s;
  };
  const parts = [one("sealProducer", seal.producer), one("sealPropagator", seal.propagator)].filter(Boolean);
  return parts.length ? parts.join("; ") : t("sealNone");
}

function describeWatermark(w) {
  if (!w.found) return t("notFound") + (w.note ? ` (${w.note})` : "");
  let s = `${t("found")}: ID ${w.payload}, ${w.bitErrors} ${t("bitErrors")}, ${t("fpProb")} ${Number(w.confidence).toExponential(1)}`;
  if (w.compact) s += ` (${t("wmCompact")})`;
  if (w.segments && w.segments.length) s += `, ${w.segments.map((g) => `${g.start.toFixed(1)}–${g.end.toFixed(1)} s`).join(", ")}`;
  return s;
}

function describeExplicit(x) {
  if (!x.found || !x.findings || !x.findings.length) return t("notFound");
  return t("found") + ": " + x.findings.map((f) =>
    `${t("kind_" + f.kind)}${f.text ? " “" + f.text + "”" : ""}, ${f.where} (${t("confidence")} ${Number(f.confidence).toFixed(2)})`).join("; ");
}

function watermarkHex(r) {
  const w = r.watermark;
  if (!w || typeof w !== "object" || w.found === false) return "";
  return typeof w.payload === "string" && /^[0-9a-f]+$/i.test(w.payload) ? w.payload : "";
}

async function lookup(url) {
  let node;
  try {
    const resp = await fetch(url, { headers: { Accept: "application/json" } });
    const text = await resp.text();
    if (resp.status === 404) node = el("p", {}, t("registryNotFound"));
    else if (!resp.ok || !(resp.headers.get("Content-Type") || "").includes("json")) node = el("p", { class: "error" }, t("registryNone") + ` (HTTP ${resp.status})`);
    else node = el("pre", {}, JSON.stringify(JSON.parse(text), null, 2));
  } catch (e) {
    node = el("p", { class: "error" }, t("registryNone"));
  }
  lastCheck.registry = el("div", { class: "registry-result", role: "status" }, node);
  renderCheck();
}

function list(xs) {
  return el("ul", {}, ...xs.map((x) => el("li", {}, String(x))));
}

// ---- start -----------------------------------------------------------------

applyLang();
updateList();
if ("serviceWorker" in navigator && location.protocol.startsWith("http")) {
  navigator.serviceWorker.register("sw.js").catch(() => {});
}
