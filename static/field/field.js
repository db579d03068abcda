// Field app enhancements. Every action also works without this file; it adds search as you type,
// card scanning, and offline work: receipts and registrations queue in IndexedDB and sync through the API.
"use strict";
(function () {
  const $ = (selector, root) => (root || document).querySelector(selector);
  const i18n = ($("#field-i18n") || { dataset: {} }).dataset;
  const screen = $("#field");
  const syncStatus = $("#sync");
  const conflictList = $("#conflicts");
  const lang = document.documentElement.lang || "en";

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));
  }

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function newUuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // ---- IndexedDB: the queue of what waits to be sent, conflicts to show, the last offline list.
  let database;
  function db() {
    database = database || new Promise((resolve, reject) => {
      const request = indexedDB.open("field", 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("queue", { keyPath: "id" });
        request.result.createObjectStore("conflicts", { autoIncrement: true });
        request.result.createObjectStore("lists", { keyPath: "distribution" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return database;
  }

  function store(name, mode, work) {
    return db().then((handle) => new Promise((resolve, reject) => {
      const transaction = handle.transaction(name, mode);
      const result = work(transaction.objectStore(name));
      transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      transaction.onerror = () => reject(transaction.error);
    }));
  }
  const all = (name) => store(name, "readonly", (objects) => objects.getAll());
  const put = (name, value) => store(name, "readwrite", (objects) => objects.put(value));
  const remove = (name, key) => store(name, "readwrite", (objects) => objects.delete(key));

  // ---- Status: waiting count, offline notice, conflicts shown until dismissed.
  function showStatus(text) {
    if (!syncStatus) return;
    syncStatus.textContent = text || "";
    syncStatus.hidden = !text;
  }

  function refreshStatus(syncedCount) {
    return all("queue").then((queue) => {
      const parts = [];
      if (!navigator.onLine) parts.push(i18n.offline);
      if (queue.length) parts.push(format(i18n.waiting, { count: queue.length.toLocaleString(lang) }));
      else if (syncedCount) parts.push(format(i18n.synced, { count: syncedCount.toLocaleString(lang) }));
      showStatus(parts.join(" "));
      return showConflicts();
    });
  }

  function showConflicts() {
    if (!conflictList) return Promise.resolve();
    const items = [];
    return db().then((handle) => new Promise((resolve) => {
      const cursorRequest = handle.transaction("conflicts").objectStore("conflicts").openCursor();
      cursorRequest.onsuccess = () => {
        const cursor = cursorRequest.result;
        if (cursor) { items.push([cursor.key, cursor.value]); cursor.continue(); } else resolve(items);
      };
    })).then(() => {
      conflictList.replaceChildren(...items.map(([key, conflict]) => {
        const dismiss = element("button", { type: "button", class: "link", text: i18n.dismiss });
        dismiss.addEventListener("click", () => remove("conflicts", key).then(showConflicts));
        return element("li", { class: "error" }, [element("span", { text: conflict.text + " " }), dismiss]);
      }));
      conflictList.hidden = items.length === 0;
    });
  }

  function refusal(item, result) {
    let reason = "";
    if (result.existing) {
      const when = new Date(result.existing.received_at).toLocaleString(lang);
      reason = format(i18n.duplicate, { when, who: result.existing.recorded_by });
    } else if (result.errors) {
      reason = Object.values(result.errors).flat().join(" ");
    }
    return { text: format(i18n.conflict, { household: item.label, kit: item.kit_name || "", reason }) };
  }

  // ---- Sync: registrations first (their receipts wait for the registration code), then receipts in bulk.
  let syncing = false;
  function post(url, body, headers) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign({ "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" }, headers),
      body: JSON.stringify(body),
    });
  }

  function syncHouseholds(queue) {
    const households = queue.filter((item) => item.kind === "household");
    return households.reduce((chain, item) => chain.then(() => post(i18n.householdsUrl, item.body, { "Idempotency-Key": item.id })
      .then((response) => response.json().then((answer) => [response.status, answer]))
      .then(([status, answer]) => {
        const dependants = queue.filter((other) => other.household === "pending:" + item.id);
        if (status === 200 || status === 201) {
          return Promise.all(dependants.map((other) => put("queue", Object.assign(other, { household: answer.registration_code }))))
            .then(() => remove("queue", item.id));
        }
        if (status >= 400 && status < 500 && status !== 403 && status !== 429) {
          const text = format(i18n.conflict, { household: item.label, kit: "", reason: Object.values(answer).flat().join(" ") });
          return Promise.all([put("conflicts", { text }), remove("queue", item.id), ...dependants.map((other) => remove("queue", other.id))]);
        }
        throw new Error("retry later");
      })), Promise.resolve());
  }

  function syncReceipts() {
    return all("queue").then((queue) => {
      const receipts = queue.filter((item) => item.kind === "receipt" && !String(item.household).startsWith("pending:")).slice(0, 1000);
      if (!receipts.length) return 0;
      const body = {
        receipts: receipts.map((item) => ({
          client_uuid: item.id, distribution: item.distribution, household: item.household, kit_type: item.kit_type,
          verification_method: item.verification_method, proxy_name: item.proxy_name || "", received_at: item.received_at,
        })),
      };
      return post(i18n.bulkUrl, body).then((response) => {
        if (!response.ok) throw new Error("retry later");
        return response.json();
      }).then((answer) => Promise.all(answer.results.map((result) => {
        const item = receipts[result.index];
        if (result.status === "refused") return Promise.all([put("conflicts", refusal(item, result)), remove("queue", item.id)]);
        return remove("queue", item.id).then(() => 1);
      }))).then((done) => done.filter((value) => value === 1).length);
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) return refreshStatus();
    syncing = true;
    return all("queue")
      .then((queue) => (queue.length ? syncHouseholds(queue).then(syncReceipts) : 0))
      .catch(() => 0)
      .then((count) => { syncing = false; return refreshStatus(count).then(() => count && loadList(true)); });
  }

  function queueReceipts(distribution, household, label, kits, method, proxyName) {
    const now = new Date().toISOString();
    return Promise.all(kits.map((kit) => put("queue", {
      id: newUuid(), kind: "receipt", distribution: Number(distribution), household, label, kit_type: kit.code,
      kit_name: kit.name, verification_method: method, proxy_name: proxyName, received_at: now,
    }))).then(() => refreshStatus()).then(sync);
  }

  // ---- The offline household list of a distribution: kept in IndexedDB, refreshed when online.
  let list = null;
  function loadList(refresh) {
    if (!screen) return Promise.resolve(null);
    const distribution = Number(screen.dataset.distribution);
    const stored = all("lists").then((lists) => lists.find((entry) => entry.distribution === distribution) || null);
    return stored.then((entry) => {
      list = entry;
      if (!navigator.onLine || (entry && !refresh && entry.fresh)) return list;
      return fetch(screen.dataset.offlineUrl, { credentials: "same-origin", cache: "no-cache" })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (!data) return list;
          list = Object.assign(data, { fresh: false });
          return put("lists", list).then(() => list);
        }).catch(() => list);
    });
  }

  function entitlement(kit, size) {
    if (!kit.per_member) return kit.quantity;
    const entitled = kit.quantity * size;
    return kit.maximum ? Math.min(entitled, kit.maximum) : entitled;
  }

  function normalise(text) {
    return text.toUpperCase().replace(/[^0-9A-Z*~$=]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  }

  // Offline search, as the server's (beneficiaries/selectors.search_q): accents, case and extra spaces
  // ignored, every typed word in the name; Eastern Arabic digits read; 8 digits or more match a phone's
  // last eight (national or international format), fewer match inside it.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLocaleLowerCase().split(/\s+/).filter(Boolean);
  }

  function asciiDigits(text) {
    return text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (d) => String((d.charCodeAt(0) & 0xf)))
      .replace(/\D/g, "");
  }

  function localSearch(query) {
    if (!list || !query.trim()) return [];
    const code = normalise(query);
    const digits = asciiDigits(query);
    const words = /\p{L}/u.test(query) ? fold(query) : [];
    const phoneMatches = (phone) => {
      const stored = asciiDigits(phone);
      if (digits.length >= 8) return stored.endsWith(digits.slice(-8));
      return digits.length >= 3 && stored.includes(digits.replace(/^0+/, "") || digits);
    };
    return list.households.filter(([, registration, name, phone]) => (code.length >= 3 && registration.startsWith(code))
      || (words.length > 0 && words.every((word) => fold(name).join(" ").includes(word)))
      || phoneMatches(phone)).slice(0, 20);
  }

  function displayCode(code) {
    return code.length === 9 ? `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}` : code;
  }

  function renderLocalResults(query) {
    const results = $("#results");
    const matches = localSearch(query);
    if (!matches.length) { results.replaceChildren(element("p", { text: i18n.none })); return; }
    results.replaceChildren(element("ul", { class: "results" }, matches.map((row) => {
      const button = element("button", { type: "button", class: "choice" }, [
        element("strong", { class: "code", text: displayCode(row[1]) }), document.createTextNode(" " + row[2]),
        element("span", { text: `${row[3] ? row[3] + " · " : ""}${row[4]} ${i18n.people}` }),
      ]);
      button.addEventListener("click", () => showHousehold(row, results));
      return element("li", {}, [button]);
    })));
  }

  // The receipt form for a household from the offline list (or one registered offline).
  function receiptForm(kits, size, received, onRecord) {
    const form = element("form", { class: "receive" });
    const kitSet = element("fieldset", {}, [element("legend", { text: i18n.kits })]);
    kits.forEach((kit, index) => {
      const id = `offline-kit-${index}`;
      const done = received.includes(kit.code);
      const input = element("input", { type: "checkbox", id, value: kit.code });
      if (done) input.disabled = true; else input.checked = true;
      const text = `${kit.name} × ${entitlement(kit, size)}${done ? " · " + i18n.received : ""}`;
      kitSet.appendChild(element("div", { class: "check" }, [input, element("label", { for: id, text })]));
    });
    const methodSet = element("fieldset", {}, [element("legend", { text: i18n.method })]);
    (i18n.methods || "").split("|").forEach((pair, index) => {
      const [value, label] = pair.split("=");
      const id = `offline-method-${index}`;
      const input = element("input", { type: "radio", name: "offline-method", id, value });
      if (index === 0) input.checked = true;
      methodSet.appendChild(element("div", { class: "check" }, [input, element("label", { for: id, text: label })]));
    });
    const proxy = element("input", { id: "offline-proxy", maxlength: "200" });
    form.append(kitSet, methodSet, element("label", { for: "offline-proxy", text: i18n.proxy }), proxy,
      element("p", {}, [element("button", { type: "submit", class: "big", text: i18n.record })]));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = kits.filter((kit) => form.querySelector(`input[value="${kit.code}"]`).checked);
      const method = form.querySelector("input[name=offline-method]:checked").value;
      if (!chosen.length) return;
      onRecord(chosen, method, proxy.value.trim()).then(() => {
        form.replaceChildren(element("p", { class: "ok", role: "status", text: i18n.queued }));
      });
    });
    return form;
  }

  function showHousehold(row, results) {
    const [, code, name, , size, received] = row;
    const panel = element("section", { class: "offline-household", "aria-label": displayCode(code) }, [
      element("h2", {}, [element("span", { class: "code", text: displayCode(code) }), document.createTextNode(" " + name)]),
    ]);
    panel.appendChild(receiptForm(list.kits, size, received, (kits, method, proxyName) => {
      kits.forEach((kit) => received.push(kit.code));
      put("lists", list);
      return queueReceipts(list.distribution, code, displayCode(code), kits, method, proxyName);
    }));
    results.replaceChildren(panel);
    panel.querySelector("input:not([disabled])")?.focus();
  }

  // ---- Search as you type: the server's result list when online, the phone's list offline.
  function enhanceSearch() {
    const input = $("#q");
    const results = $("#results");
    let timer;
    let latest = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const query = input.value;
        const ticket = ++latest;
        if (!navigator.onLine) { renderLocalResults(query); return; }
        fetch(`${screen.dataset.searchUrl}?q=${encodeURIComponent(query)}`, { credentials: "same-origin" })
          .then((response) => { if (!response.ok) throw new Error(); return response.text(); })
          .then((html) => { if (ticket === latest) results.innerHTML = html; })
          .catch(() => renderLocalResults(query));
      }, 250);
    });
    $("#search-form").addEventListener("submit", (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      renderLocalResults(input.value);
    });
    enhanceScanner(input);
  }

  // ---- QR cards: the browser's own BarcodeDetector where it has one; typing otherwise.
  function enhanceScanner(input) {
    const button = $("#scan");
    const video = $("#scanner");
    if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then((stream) => {
        video.srcObject = stream;
        video.hidden = false;
        return video.play().then(() => new Promise((resolve) => {
          const look = () => detector.detect(video).then((codes) => {
            if (codes.length) resolve(codes[0].rawValue); else setTimeout(look, 250);
          }).catch(() => setTimeout(look, 250));
          look();
        })).finally(() => { stream.getTracks().forEach((track) => track.stop()); video.hidden = true; });
      }).then((code) => {
        input.value = code;
        input.dispatchEvent(new Event("input"));
      }).catch(() => showStatus(i18n.scanError));
    });
  }

  // ---- Server-rendered receipt form: queued on the phone when there is no network.
  function enhanceReceiveForm(form) {
    form.addEventListener("submit", (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      const kits = Array.from(form.querySelectorAll("input[name=kit_types]:checked"), (input) => ({
        code: input.value, name: input.labels[0] ? input.labels[0].textContent.trim() : input.value,
      }));
      const method = (form.querySelector("input[name=verification_method]:checked") || {}).value;
      const proxyName = (form.querySelector("[name=proxy_name]") || {}).value || "";
      if (!kits.length || !method) return;
      queueReceipts(form.dataset.distribution, form.dataset.household, form.dataset.label, kits, method, proxyName.trim())
        .then(() => form.replaceChildren(element("p", { class: "ok", role: "status", text: i18n.queued })));
    });
  }

  // ---- Registration offline: queued with an idempotency key, then its receipt straight away.
  function enhanceRegisterForm(form) {
    form.addEventListener("submit", (event) => {
      if (navigator.onLine || !form.dataset.site) return;
      event.preventDefault();
      const body = { site: form.dataset.site };
      Array.from(form.elements).forEach((field) => {
        if (!field.name || field.name === "csrfmiddlewaretoken" || field.name === "distribution") return;
        if (field.type === "checkbox") body[field.name] = field.checked;
        else if (field.type === "radio") { if (field.checked) body[field.name] = field.value; }
        else if (field.type === "number") body[field.name] = field.value === "" ? 0 : Number(field.value);
        else body[field.name] = field.value;
      });
      const key = newUuid();
      const label = `${body.head_name} (${i18n.registered})`;
      const size = Object.keys(body).filter((name) => /^(fe)?males_/.test(name)).reduce((sum, name) => sum + body[name], 0);
      put("queue", { id: key, kind: "household", body, label }).then(() => refreshStatus()).then(() => {
        const distribution = Number((form.elements.distribution || {}).value);
        return all("lists").then((lists) => lists.find((entry) => entry.distribution === distribution));
      }).then((entry) => {
        const panel = element("section", { class: "offline-household" }, [element("h2", { text: label })]);
        if (entry) {
          panel.appendChild(receiptForm(entry.kits, size, [], (kits, method, proxyName) =>
            queueReceipts(entry.distribution, "pending:" + key, label, kits, method, proxyName)));
        }
        form.replaceWith(panel);
      });
    });
  }

  function start() {
    const script = document.currentScript || $("script[data-sw]");
    if ("serviceWorker" in navigator && script && script.dataset.sw) {
      navigator.serviceWorker.register(script.dataset.sw, { scope: "/field/" }).catch(() => {});
    }
    const logout = $('form[action$="/logout/"]');
    if (logout && window.caches) logout.addEventListener("submit", () => { caches.delete("field-pages"); });
    if (screen) { enhanceSearch(); loadList(true); }
    document.querySelectorAll("form.receive[data-household]").forEach(enhanceReceiveForm);
    const register = $("#register-form");
    if (register) enhanceRegisterForm(register);
    window.addEventListener("online", sync);
    window.addEventListener("offline", () => refreshStatus());
    sync();
  }

  if (!window.indexedDB) return;
  start();
})();
