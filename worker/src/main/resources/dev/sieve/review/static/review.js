// sieve review: one page, no build step. Keys: j/k or arrows move, digits relabel, x excludes, o toggles the order,
// g then a digit or x marks the selected image's whole near-duplicate group (a bucket shows a group's cards together).
// Two views share the grid and the keys: a bucket (head / label), and "what moved" (a head family's images whose top
// label the newest revision changed; each card carries its own head and label, and the older revision's as "before").
"use strict";

const state = { heads: [], view: "bucket", family: null, head: null, label: null, labels: [], images: [], sel: 0, order: "confident", marks: 0, groupArmed: false };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "style") e.style.cssText = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

const fmt = (p) => (p === null || p === undefined ? "–" : p.toFixed(3));

function status(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

async function loadBuckets() {
  const data = await (await fetch("/api/buckets")).json();
  state.order = state.order || data.order;
  renderBuckets(data);
  return data;
}

function renderBuckets(data) {
  state.heads = data.heads;
  const root = $("buckets");
  root.textContent = "";
  for (const h of data.heads) {
    const list = el("ol");
    for (const l of h.labels) {
      const a = el("a", { href: "#", class: "bucket", "data-head": h.head, "data-label": l.label },
        el("span", { class: "n" }, String(l.index)), `${l.label} (${l.count})`);
      if (h.head === state.head && l.label === state.label) a.classList.add("current");
      a.addEventListener("click", (e) => { e.preventDefault(); openBucket(h.head, l.label); });
      list.append(el("li", {}, a));
    }
    root.append(el("h3", {}, h.head), list);
  }
  renderMovedList(data);
  $("report").textContent = data.report;
}

function renderMovedList(data) {
  const root = $("moved");
  root.textContent = "";
  const list = el("ol");
  for (const f of data.moved) {
    if (f.older === "") {
      list.append(el("li", { class: "moved-none", "data-family": f.family },
        `${f.family}: only revision ${f.newer || "(none)"} seen, nothing to compare`));
      continue;
    }
    const a = el("a", { href: "#", class: "moved", "data-family": f.family },
      `${f.family} ${f.older} → ${f.newer}: ${f.count} of ${f.compared} moved`);
    if (state.view === "moved" && state.family === f.family) a.classList.add("current");
    a.addEventListener("click", (e) => { e.preventDefault(); openMoved(f.family); });
    list.append(el("li", {}, a));
  }
  if (!data.moved.length) list.append(el("li", { class: "moved-none" }, "no classifier head on images.scored"));
  root.append(list);
  if (data.movedNote) root.append(el("p", { class: data.movedNote.startsWith("incomplete") ? "moved-note warn" : "moved-note" }, data.movedNote));
}

async function openMoved(family) {
  const q = new URLSearchParams({ family, order: state.order });
  const res = await fetch("/api/moved?" + q);
  if (!res.ok) { status(await res.text(), true); return; }
  const data = await res.json();
  Object.assign(state, { view: "moved", family, newer: data.newer, head: data.head, label: null, labels: data.labels, images: data.images, sel: 0 });
  location.hash = "moved=" + encodeURIComponent(family);
  document.querySelectorAll("a.bucket, a.moved").forEach((a) => a.classList.toggle("current", a.dataset.family === family));
  $("title").textContent = `${family}: what ${data.newer} changed since ${data.older} — ${data.images.length} of ${data.compared} images, `
    + `${state.order === "boundary" ? "closest to the boundary" : "most confident"} first`;
  $("labels").textContent = "keys: " + data.labels.map((l, i) => `${i} = ${l}`).join(" · ") + " · x = exclude · j = the new label is right";
  renderHistogram(data.images);
  renderGrid();
  status(data.images.length ? "" : `no image changed its top label between ${data.older} and ${data.newer}`);
}

async function openBucket(head, label) {
  const q = new URLSearchParams({ head, label, order: state.order });
  const data = await (await fetch("/api/images?" + q)).json();
  Object.assign(state, { view: "bucket", family: null, head, label, labels: data.labels, images: data.images, sel: 0 });
  location.hash = encodeURIComponent(head) + "/" + encodeURIComponent(label);
  document.querySelectorAll("a.bucket, a.moved").forEach((a) =>
    a.classList.toggle("current", a.dataset.head === head && a.dataset.label === label));
  $("title").textContent = `${head} / ${label} — ${data.images.length} images, ${state.order === "boundary" ? "closest to the boundary" : "most confident"} first`
    + (data.groups ? `, ${data.groups} near-duplicate group${data.groups === 1 ? "" : "s"} shown together` : "");
  $("labels").textContent = "keys: " + data.labels.map((l, i) => `${i} = ${l}`).join(" · ") + " · x = exclude"
    + (data.groups ? " · g then a key = the whole group" : "");
  renderHistogram(data.images);
  renderGrid();
  status(data.images.length ? "" : "this bucket is empty");
}

function renderHistogram(images) {
  const bins = new Array(20).fill(0);
  for (const i of images) if (i.probability !== null) bins[Math.min(19, Math.max(0, Math.floor(i.probability * 20)))]++;
  const max = Math.max(1, ...bins);
  const h = $("histogram");
  h.textContent = "";
  bins.forEach((n, b) => h.append(el("div", { class: "bin", title: `${(b / 20).toFixed(2)}–${((b + 1) / 20).toFixed(2)}: ${n}`, style: `height:${(34 * n) / max}px` })));
  h.append(el("span", { class: "axis", style: "left:0" }, "0"), el("span", { class: "axis", style: "right:0" }, "1"));
}

function renderGrid() {
  const grid = $("grid");
  grid.textContent = "";
  state.images.forEach((img, i) => {
    const frame = el("div", { class: "frame" });
    frame.append(img.thumb ? el("img", { src: img.thumb, alt: img.id, loading: "lazy" }) : el("div", { class: "missing" }, img.uri));
    img.boxes.forEach((b, k) => {
      const crop = img.crops[k];
      frame.append(el("div", {
        class: "box" + (k === 4 ? " centre" : ""),
        style: `left:${b.left * 100}%;top:${b.top * 100}%;width:${b.width * 100}%;height:${b.height * 100}%`,
      }, el("span", {}, crop === undefined ? "" : crop.toFixed(2))));
    });
    const detail = el("div", { class: "detail" },
      el("div", {}, el("b", {}, img.id)),
      el("div", {}, `${img.width}×${img.height}, ${img.boxes.length ? "five crops" : "one crop"}`),
      ...(img.before ? sideBySide(img) : img.labels.map((l, n) => el("div", {}, `${n} ${l.label}: ${fmt(l.probability)}`))),
      el("div", {}, img.crops.length > 1 ? "crops: " + img.crops.map((c) => c.toFixed(2)).join(" ") : ""),
      el("div", {}, `margin ${fmt(img.margin)}`));
    const card = el("div", { class: "card", "data-id": img.id, "data-index": String(i) }, frame,
      el("div", { class: "caption" }, el("span", { class: "p" }, fmt(img.probability)), el("span", { class: "id" }, img.id)), detail);
    if (img.groupSize > 1) {
      // The server lists a group's members one after another: the first card says how many, the others that they follow.
      const first = i === 0 || state.images[i - 1].group !== img.group;
      card.dataset.group = img.group;
      card.classList.add("dup");
      card.insertBefore(el("div", { class: first ? "group-marker" : "group-marker follow" },
        first ? `${img.groupSize} near-duplicates` : "near-duplicate ↑"), detail);
    }
    if (img.before) {
      card.insertBefore(el("div", { class: "change" }, `${img.before.label} ${fmt(img.before.probability)} → `,
        el("b", {}, img.label), ` ${fmt(img.probability)}`), detail);
    }
    if (img.mark !== null && img.mark !== undefined) markDone(card, img.mark === "" ? null : img.mark);
    card.addEventListener("click", () => select(i));
    grid.append(card);
  });
  select(0);
}

/** The older and the newer revision's probabilities, label by label. */
function sideBySide(img) {
  const before = new Map(img.before.labels.map((l) => [l.label, l.probability]));
  return [el("div", {}, `${img.before.revision} → ${state.newer}`),
    ...img.labels.map((l, n) => el("div", {}, `${n} ${l.label}: ${fmt(before.get(l.label))} → ${fmt(l.probability)}`))];
}

function markDone(card, newLabel) {
  card.dataset.marked = newLabel === null ? "excluded" : newLabel;
  card.classList.add("marked");
  card.prepend(el("span", { class: newLabel === null ? "badge excluded" : "badge" }, newLabel === null ? "excluded" : "→ " + newLabel));
}

function cards() { return document.querySelectorAll("#grid .card"); }

function select(i) {
  const all = cards();
  if (!all.length) return;
  state.sel = Math.max(0, Math.min(all.length - 1, i));
  all.forEach((c, k) => c.classList.toggle("selected", k === state.sel));
  all[state.sel].scrollIntoView({ block: "nearest" });
}

function columns() {
  const all = cards();
  if (all.length < 2) return 1;
  const top = all[0].offsetTop;
  let n = 0;
  for (const c of all) { if (c.offsetTop !== top) break; n++; }
  return Math.max(1, n);
}

function mark(newLabel) {
  const index = state.sel;
  return markAt(index, newLabel, () => select(index + 1));
}

/** Marks every unmarked card of the selected card's near-duplicate group, then selects the card after the group. */
async function markGroup(newLabel) {
  const all = [...cards()];
  const group = all[state.sel] && all[state.sel].dataset.group;
  const members = group ? all.map((c, i) => i).filter((i) => all[i].dataset.group === group) : [state.sel];
  select(members[members.length - 1] + 1);
  for (const i of members) await markAt(i, newLabel, () => {});
}

async function markAt(index, newLabel, advance) {
  const img = state.images[index];
  const card = cards()[index];
  if (!img || card.dataset.marked) return;
  // In "what moved" each image has its own head (the newest revision) and label (that revision's top label).
  const head = img.head || state.head;
  const label = img.label || state.label;
  if (newLabel === label) { status(`${img.id} is already in ${newLabel}`); return; }
  card.dataset.marked = "pending";
  advance();
  try {
    const res = await fetch("/api/corrections", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: img.id, head, label, newLabel }),
    });
    if (!res.ok) throw new Error(await res.text());
    const data = await res.json();
    markDone(card, newLabel);
    state.marks++;
    $("marks").textContent = `${state.marks} mark${state.marks === 1 ? "" : "s"}`;
    renderBuckets(data);
    status(`${img.id}: ${newLabel === null ? "excluded from " + head : label + " → " + newLabel} (sent to Kafka)`);
  } catch (e) {
    delete card.dataset.marked;
    card.prepend(el("span", { class: "badge failed" }, "failed"));
    status(`${img.id}: not saved: ${e.message}`, true);
  }
}

function stepBucket(delta) {
  const all = [...document.querySelectorAll("a.bucket")];
  if (!all.length) return;
  const i = all.findIndex((a) => a.dataset.head === state.head && a.dataset.label === state.label);
  const next = all[(i + delta + all.length) % all.length];
  openBucket(next.dataset.head, next.dataset.label);
}

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const k = e.key;
  const group = state.groupArmed;
  state.groupArmed = false;
  if (k === "g" && state.view === "bucket" && state.head) {
    const card = cards()[state.sel];
    const n = card && card.dataset.group ? document.querySelectorAll(`#grid .card[data-group="${CSS.escape(card.dataset.group)}"]`).length : 1;
    state.groupArmed = true;
    status(`group mark: 0–9 or x now marks ${n === 1 ? "this image (it has no near-duplicate here)" : "all " + n + " images of this group"}`);
  } else if (k === "j" || k === "ArrowRight") select(state.sel + 1);
  else if (k === "k" || k === "ArrowLeft") select(state.sel - 1);
  else if (k === "ArrowDown") select(state.sel + columns());
  else if (k === "ArrowUp") select(state.sel - columns());
  else if (/^[0-9]$/.test(k) && state.head) {
    const label = state.labels[Number(k)];
    if (label === undefined) status(`no label ${k} in ${state.head}`, true); else if (group) markGroup(label); else mark(label);
  } else if (k === "x" && state.head) { if (group) markGroup(null); else mark(null); }
  else if (k === "o") toggleOrder();
  else if (k === "]") stepBucket(1);
  else if (k === "[") stepBucket(-1);
  else return;
  e.preventDefault();
});

function toggleOrder() {
  state.order = state.order === "boundary" ? "confident" : "boundary";
  $("order").textContent = "order: " + state.order;
  if (state.view === "moved") openMoved(state.family);
  else if (state.head) openBucket(state.head, state.label);
}

$("order").addEventListener("click", toggleOrder);

loadBuckets().then((data) => {
  state.order = data.order;
  $("order").textContent = "order: " + state.order;
  const hash = location.hash.slice(1);
  const [h, l] = hash.split("/").map(decodeURIComponent);
  if (hash.startsWith("moved=")) openMoved(decodeURIComponent(hash.slice("moved=".length)));
  else if (h && l) openBucket(h, l);
  else status("pick a bucket on the left (or press ])");
}).catch((e) => status("cannot load the buckets: " + e.message, true));
