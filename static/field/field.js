// Field app enhancements. Every action also works without this file; it adds search as you type,
// card scanning, and offline work: receipts and registrations queue in IndexedDB and sync through the API.
// Nothing queued is ever dropped on an answer other than success or a refusal shown to the officer:
// a refused registration stays on the phone as a draft, with the server's reason beside its field.
"use strict";
(function () {
  const $ = (selector, root) => (root || document).querySelector(selector);
  const i18n = ($("#field-i18n") || { dataset: {} }).dataset;
  const screen = $("#field");
  const syncStatus = $("#sync");
  const conflictList = $("#conflicts");
  const lang = document.documentElement.lang || "en";
  const user = i18n.user || "";
  const DB_NAME = "field";

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));
  }

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    });
    (children || []).forEach((child) => child && node.appendChild(typeof child === "string" ? document.createTextNode(child) : child));
    return node;
  }

  // Codes, phone numbers and counts read left to right inside Arabic text.
  const ltr = (text, className) => element("bdi", Object.assign({ dir: "ltr", text }, className ? { class: className } : {}));

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

  // The messages of an API error body, however nested ({"errors": {"field": ["..."]}}, "detail").
  function messagesOf(value) {
    if (value == null) return [];
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(messagesOf);
    if (typeof value === "object") return Object.values(value).flatMap(messagesOf);
    return [String(value)];
  }

  // ---- IndexedDB: the queue of what waits to be sent (and refused drafts), conflicts to show, the
  // offline lists of the officer's open distributions, and whose phone data it is.
  let database;
  let wiped = false; // signing out: nothing may open (and so recreate) the database any more
  function db() {
    if (wiped) return Promise.reject(new Error("signed out"));
    database = database || new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 2);
      request.onupgradeneeded = () => {
        const names = request.result.objectStoreNames;
        if (!names.contains("queue")) request.result.createObjectStore("queue", { keyPath: "id" });
        if (!names.contains("conflicts")) request.result.createObjectStore("conflicts", { autoIncrement: true });
        if (!names.contains("lists")) request.result.createObjectStore("lists", { keyPath: "distribution" });
        if (!names.contains("meta")) request.result.createObjectStore("meta", { keyPath: "key" });
      };
      request.onsuccess = () => {
        // Another tab signing out deletes the database: let it, and open afresh next time.
        request.result.onversionchange = () => { request.result.close(); database = null; };
        resolve(request.result);
      };
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
  const clear = (name) => store(name, "readwrite", (objects) => objects.clear());
  // What this officer queued (a phone shared by two officers never sends one's records as the other's).
  const mine = () => all("queue").then((queue) => queue.filter((item) => (item.owner || user) === user));

  function wipe() {
    wiped = true;
    if (database) database.then((handle) => handle.close()).catch(() => {});
    database = null;
    return new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  }

  // The phone's data belongs to the officer signed in: another officer's household lists are wiped.
  function claim() {
    return all("meta").then((meta) => {
      const owner = meta.find((entry) => entry.key === "owner");
      if (owner && owner.user === user) return null;
      return Promise.all([clear("lists"), clear("conflicts")]).then(() => put("meta", { key: "owner", user }));
    });
  }

  // ---- Status: households waiting, offline notice, conflicts and drafts shown until dealt with.
  function showStatus(text) {
    if (!syncStatus) return;
    syncStatus.textContent = text || "";
    syncStatus.hidden = !text;
  }

  // Households waiting: each registration, and each household with receipts waiting (not kits).
  function householdsWaiting(queue) {
    const waiting = new Set();
    const drafts = new Set(queue.filter((item) => item.state === "refused").map((item) => "pending:" + item.id));
    queue.filter((item) => item.state !== "refused" && !drafts.has(String(item.household))).forEach((item) => {
      waiting.add(item.kind === "household" ? "pending:" + item.id : String(item.household));
    });
    return waiting.size;
  }

  function refreshStatus(syncedCount) {
    return mine().then((queue) => {
      const parts = [];
      if (!navigator.onLine) parts.push(i18n.offline);
      const waiting = householdsWaiting(queue);
      if (waiting) parts.push(format(i18n.waiting, { count: waiting.toLocaleString(lang) }));
      else if (syncedCount) parts.push(format(i18n.synced, { count: syncedCount.toLocaleString(lang) }));
      if (expired) parts.push(i18n.expired);
      showStatus(parts.join(" "));
      return showConflicts(queue.filter((item) => item.state === "refused"));
    });
  }

  function showConflicts(drafts) {
    if (!conflictList) return Promise.resolve();
    const items = [];
    return db().then((handle) => new Promise((resolve) => {
      const cursorRequest = handle.transaction("conflicts").objectStore("conflicts").openCursor();
      cursorRequest.onsuccess = () => {
        const cursor = cursorRequest.result;
        if (cursor) { items.push([cursor.key, cursor.value]); cursor.continue(); } else resolve(items);
      };
    })).then(() => {
      const draftItems = (drafts || []).map((draft) => element("li", { class: "error draft-notice" }, [
        element("span", { text: format(i18n.draftNotice, { household: draft.body.head_name || "" }) + " " }),
        element("a", { class: "button secondary", href: `${draft.page || i18n.registerUrl}#draft=${draft.id}`, text: i18n.fixDraft }),
      ]));
      conflictList.replaceChildren(...draftItems, ...items.map(([key, conflict]) => {
        const dismiss = element("button", { type: "button", class: "secondary", text: i18n.dismiss });
        dismiss.addEventListener("click", () => remove("conflicts", key).then(() => refreshStatus()));
        return element("li", { class: "error" }, [element("span", { text: conflict.text + " " }), dismiss]);
      }));
      conflictList.hidden = items.length + draftItems.length === 0;
      if (draftItems.length && location.hash.startsWith("#draft=")) conflictList.querySelectorAll(".draft-notice").forEach((node) => node.remove());
    });
  }

  function refusal(item, result) {
    let reason = "";
    if (result.existing) {
      const when = new Date(result.existing.received_at).toLocaleString(lang, { timeZone: i18n.timeZone || undefined, dateStyle: "short", timeStyle: "short" });
      reason = format(i18n.duplicate, { when, who: result.existing.recorded_by });
    } else {
      reason = messagesOf(result.errors || result.detail).join(" ");
    }
    return { text: format(i18n.conflict, { household: item.label, kit: item.kit_name || "", reason }) };
  }

  // ---- Sync: registrations first (their receipts wait for the registration code), then receipts in bulk.
  // Only two answers take a record off the queue: success, and a definite refusal the officer is shown
  // (a registration refused stays as an editable draft). A 409 (still being processed), 401/403 (session
  // expired), 429, 5xx or no network leave everything queued for the next try.
  let syncing = false;
  let expired = false;
  const RETRY = "retry later";
  function post(url, body, headers) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: Object.assign({ "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" }, headers),
      body: JSON.stringify(body),
    }).then((response) => {
      if (response.status === 401 || response.status === 403 || response.type === "opaqueredirect") {
        expired = true;
        throw new Error(RETRY);
      }
      return response;
    });
  }

  function readJson(response) {
    return response.json().catch(() => ({}));
  }

  function syncHouseholds(queue) {
    const households = queue.filter((item) => item.kind === "household" && item.state !== "refused");
    return households.reduce((chain, item) => chain.then(() => post(i18n.householdsUrl, item.body, { "Idempotency-Key": item.id })
      .then((response) => readJson(response).then((answer) => [response.status, answer]))
      .then(([status, answer]) => {
        const dependants = queue.filter((other) => other.household === "pending:" + item.id);
        if (status === 200 || status === 201) {
          return Promise.all(dependants.map((other) => put("queue", Object.assign(other, { household: answer.registration_code }))))
            .then(() => remove("queue", item.id));
        }
        if (status === 400 || status === 422) {
          // Refused: kept with its receipts as a draft the officer corrects or discards.
          const errors = answer.errors || { non_field_errors: messagesOf(answer.detail) };
          return put("queue", Object.assign(item, { state: "refused", errors }));
        }
        throw new Error(RETRY);
      })), Promise.resolve());
  }

  // A supervisor's override recorded offline (issue 19): sent before the receipts it lets through, once
  // (its id is the Idempotency-Key and the client UUID). A refusal (400) is shown like a receipt's.
  function syncOverrides(queue) {
    const overrides = queue.filter((item) => item.kind === "override");
    return overrides.reduce((chain, item) => chain.then(() => post(item.url, { household: item.household_id, reason: item.reason, client_uuid: item.id }, { "Idempotency-Key": item.id })
      .then((response) => readJson(response).then((answer) => [response.status, answer]))
      .then(([status, answer]) => {
        if (status === 200 || status === 201) return remove("queue", item.id);
        if (status === 400 || status === 404) return Promise.all([put("conflicts", refusal(item, { errors: answer.errors || answer })), remove("queue", item.id)]);
        throw new Error(RETRY);
      })), Promise.resolve());
  }

  function syncReceipts() {
    return mine().then((queue) => {
      const receipts = queue.filter((item) => item.kind === "receipt" && !String(item.household).startsWith("pending:")).slice(0, 1000);
      if (!receipts.length) return 0;
      const body = {
        receipts: receipts.map((item) => ({
          client_uuid: item.id, distribution: item.distribution, household: item.household, kit_type: item.kit_type,
          verification_method: item.verification_method, proxy_name: item.proxy_name || "", received_at: item.received_at,
        })),
      };
      return post(i18n.bulkUrl, body).then((response) => {
        if (!response.ok) throw new Error(RETRY);
        return response.json();
      }).then((answer) => Promise.all(answer.results.map((result) => {
        const item = receipts[result.index];
        if (!item) return 0;
        if (result.status === "refused") return Promise.all([put("conflicts", refusal(item, result)), remove("queue", item.id)]).then(() => 0);
        if (result.status === "created" || result.status === "already_recorded") return remove("queue", item.id).then(() => 1);
        return 0;
      }))).then((done) => new Set(receipts.filter((item, index) => done[index] === 1).map((item) => item.household)).size);
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) return refreshStatus();
    syncing = true;
    return mine()
      .then((queue) => (queue.length ? syncHouseholds(queue).then(() => syncOverrides(queue)).then(syncReceipts) : 0))
      .catch(() => 0)
      .then((count) => {
        syncing = false;
        if (expired) return clear("lists").then(() => refreshStatus());
        return refreshStatus(count).then(() => count && loadList(true));
      });
  }

  function queueReceipts(distribution, household, label, kits, method, proxyName) {
    const now = new Date().toISOString();
    return Promise.all(kits.map((kit) => put("queue", {
      id: newUuid(), kind: "receipt", owner: user, distribution: Number(distribution), household, label, kit_type: kit.code,
      kit_name: kit.name, verification_method: method, proxy_name: method === "proxy" ? proxyName : "", received_at: now,
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
      return fetch(screen.dataset.offlineUrl, { credentials: "same-origin", cache: "no-cache", redirect: "manual" })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (!data) return list;
          list = Object.assign(data, { fresh: false, listed: list && list.listed });
          return loadDistributionList(list).then(() => put("lists", list)).then(() => list);
        }).catch(() => list);
    });
  }

  // The approved distribution list (issue 19): fetched whole once, then only its changes (`since` its cursor).
  // Listed households of other sites join the searchable households; entitlements come from the list.
  function loadDistributionList(entry) {
    if (!screen.dataset.listUrl) return Promise.resolve(entry);
    const stored = entry.listed;
    const url = screen.dataset.listUrl + (stored ? `?since=${stored.cursor}` : "");
    return fetch(url, { credentials: "same-origin", cache: "no-cache", redirect: "manual" })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data || !data.list) { if (data) entry.listed = null; return entry; }
        const listed = data.full || !stored ? { rows: {}, overrides: [] } : stored;
        data.removed.forEach((id) => { delete listed.rows[id]; });
        data.households.forEach(([id, code, name, size, quantities]) => { listed.rows[id] = [code, name, size, quantities]; });
        listed.overrides = Array.from(new Set(listed.overrides.concat(data.overrides)));
        Object.assign(listed, { cursor: data.cursor, kits: data.kits, canOverride: data.can_override, overrideUrl: screen.dataset.overrideUrl });
        entry.listed = listed;
        const known = new Set(entry.households.map((row) => row[0]));
        Object.entries(listed.rows).forEach(([id, [code, name, size]]) => {
          if (!known.has(Number(id))) entry.households.push([Number(id), code, name, "", size, []]);
        });
        return entry;
      }).catch(() => entry);
  }

  // Only what the officer's current distributions need: lists of distributions no longer open are dropped.
  function pruneLists(openIds) {
    return all("lists").then((lists) => Promise.all(lists
      .filter((entry) => !openIds.includes(entry.distribution))
      .map((entry) => remove("lists", entry.distribution))));
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
      const served = row[5] && row[5].length;
      const details = [];
      if (row[3]) details.push(ltr(row[3]), " · ");
      details.push(format(i18n.people, { count: row[4] }));
      const button = element("button", { type: "button", class: "choice" }, [
        element("strong", { class: "code" }, [ltr(displayCode(row[1]))]), " " + row[2],
        served ? element("span", { class: "served", text: " ✓ " + i18n.served }) : null,
        element("span", {}, details),
      ]);
      button.addEventListener("click", () => showHousehold(row, results));
      return element("li", {}, [button]);
    })));
  }

  // The proxy collector's name only when "proxy" is the method (CSS :has() does it for the server's form).
  function proxyToggle(form, proxyBlock) {
    const update = () => {
      const chosen = form.querySelector("input[type=radio]:checked");
      proxyBlock.hidden = !chosen || chosen.value !== "proxy";
    };
    form.addEventListener("change", update);
    update();
  }

  // The receipt form for a household from the offline list (or one registered offline).
  function receiptForm(kits, size, received, onRecord) {
    const outstanding = kits.filter((kit) => !received.includes(kit.code));
    if (!outstanding.length) return element("p", { class: "ok", role: "status", text: i18n.everyKit });
    const form = element("form", { class: "receive offline" });
    const kitSet = element("fieldset", {}, [element("legend", { text: i18n.kits })]);
    kits.forEach((kit, index) => {
      const id = `offline-kit-${index}`;
      const done = received.includes(kit.code);
      const input = element("input", { type: "checkbox", id, value: kit.code, name: "offline-kit" });
      if (done) input.disabled = true; else input.checked = true;
      const label = element("label", { for: id }, [kit.name + " × ", ltr(String(entitlement(kit, size))), done ? " · " + i18n.received : ""]);
      kitSet.appendChild(element("div", { class: "check" }, [input, label]));
    });
    const methodSet = element("fieldset", {}, [element("legend", { text: i18n.method })]);
    (i18n.methods || "").split("|").forEach((pair, index) => {
      const [value, label] = pair.split("=");
      const id = `offline-method-${index}`;
      const input = element("input", { type: "radio", name: "offline-method", id, value });
      if (index === 0) input.checked = true;
      methodSet.appendChild(element("div", { class: "check" }, [input, element("label", { for: id, text: label })]));
    });
    const proxy = element("input", { id: "offline-proxy", maxlength: "200", autocomplete: "off" });
    const proxyBlock = element("div", { class: "proxy" }, [element("label", { for: "offline-proxy", text: i18n.proxy }), proxy]);
    form.append(kitSet, methodSet, proxyBlock, element("p", {}, [element("button", { type: "submit", class: "big", text: i18n.record })]));
    proxyToggle(form, proxyBlock);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = kits.filter((kit) => form.querySelector(`input[value="${kit.code}"]`).checked);
      const method = form.querySelector("input[name=offline-method]:checked").value;
      if (!chosen.length) return;
      if (method === "proxy" && !proxy.value.trim()) { proxy.setAttribute("aria-invalid", "true"); proxy.focus(); return; }
      onRecord(chosen, method, proxy.value.trim()).then(() => {
        form.replaceChildren(element("p", { class: "ok", role: "status", text: i18n.queued }));
      });
    });
    return form;
  }

  // On the list or not: the kits the list entitles the household to (`null`: not on it, not overridden).
  function listedKits(id) {
    const listed = list.listed;
    if (!listed) return list.kits;
    const row = listed.rows[id];
    if (row) {
      return list.kits.filter((kit) => row[3][listed.kits.indexOf(kit.code)] > 0)
        .map((kit) => Object.assign({}, kit, { per_member: false, quantity: row[3][listed.kits.indexOf(kit.code)], maximum: null }));
    }
    return listed.overrides.includes(id) ? list.kits : null;
  }

  function overrideForm(id, code, onDone) {
    const reason = element("input", { id: "offline-override", maxlength: "500", required: "required" });
    const form = element("form", { class: "override" }, [
      element("label", { for: "offline-override", text: i18n.overrideReason }), reason,
      element("p", {}, [element("button", { type: "submit", class: "secondary", text: i18n.override })]),
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!reason.value.trim()) { reason.setAttribute("aria-invalid", "true"); reason.focus(); return; }
      const key = newUuid();
      put("queue", { id: key, kind: "override", owner: user, url: list.listed.overrideUrl, household_id: id, household: code, label: displayCode(code), reason: reason.value.trim() })
        .then(() => { list.listed.overrides.push(id); return put("lists", list); })
        .then(() => refreshStatus()).then(onDone);
    });
    return form;
  }

  function showHousehold(row, results) {
    const [id, code, name, , size, received] = row;
    const panel = element("section", { class: "offline-household", "aria-label": displayCode(code) }, [
      element("h2", {}, [name + " ", element("span", { class: "code" }, [ltr(displayCode(code))])]),
    ]);
    const kits = listedKits(id);
    if (list.listed) {
      const onList = Boolean(list.listed.rows[id]);
      panel.appendChild(element("p", { class: onList ? "ok on-list" : "error not-on-list", role: onList ? "status" : "alert", text: onList ? i18n.onList : i18n.notOnList }));
    }
    if (!kits) {
      panel.appendChild(list.listed.canOverride
        ? overrideForm(id, code, () => showHousehold(row, results))
        : element("p", { text: i18n.askSupervisor }));
      results.replaceChildren(panel);
      return;
    }
    panel.appendChild(receiptForm(kits, size, received, (kits, method, proxyName) => {
      kits.forEach((kit) => received.push(kit.code));
      put("lists", list);
      return queueReceipts(list.distribution, code, displayCode(code), kits, method, proxyName);
    }));
    results.replaceChildren(panel);
    panel.querySelector("button[type=submit]")?.focus();
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
        fetch(`${screen.dataset.searchUrl}?q=${encodeURIComponent(query)}`, { credentials: "same-origin", redirect: "manual" })
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

  // ---- Registration: checked on the phone against the server's own rules (the JSON schema the page
  // carries, beneficiaries/rules.py), every error at once beside its field; queued offline.
  function readRules() {
    const node = $("#registration-rules");
    try { return node ? JSON.parse(node.textContent) : null; } catch (error) { return null; }
  }

  function validateRegistration(rules, body) {
    const errors = {};
    if (!rules) return errors;
    const messages = rules["x-messages"] || {};
    const add = (field, keyword) => { (errors[field] = errors[field] || []).push((messages[field] || {})[keyword] || keyword); };
    const missing = (value) => value === undefined || value === null || value === "" || value === false;
    (rules.required || []).forEach((field) => { if (missing(body[field])) add(field, "required"); });
    Object.entries(rules.properties || {}).forEach(([field, rule]) => {
      const value = body[field];
      if (errors[field] || value === undefined || value === null || value === "") return;
      if (rule.type === "integer" && !Number.isInteger(value)) { add(field, "type"); return; }
      if (rule.minimum !== undefined && value < rule.minimum) add(field, "minimum");
      else if (rule.maximum !== undefined && value > rule.maximum) add(field, "maximum");
      if (rule.maxLength !== undefined && String(value).length > rule.maxLength) add(field, "maxLength");
      if (rule.enum && !rule.enum.includes(value)) add(field, "enum");
      if ("const" in rule && value !== rule.const) add(field, "const");
    });
    const members = rules["x-members"];
    if (members) {
      const total = members.fields.reduce((sum, field) => sum + (Number.isInteger(body[field]) ? body[field] : 0), 0);
      if (total < members.minimum) errors.household_size = [members.message];
    }
    return errors;
  }

  function readRegistration(form) {
    const body = { site: form.dataset.site };
    Array.from(form.elements).forEach((field) => {
      if (!field.name || field.name === "csrfmiddlewaretoken" || field.name === "distribution" || field.name === "site") return;
      if (field.type === "checkbox") body[field.name] = field.checked;
      else if (field.type === "radio") { if (field.checked) body[field.name] = field.value; }
      else if (field.type === "number") {
        const text = field.value.trim();
        body[field.name] = text === "" ? (field.name === "head_birth_year" ? "" : 0) : Number(text);
      } else body[field.name] = field.value.trim();
    });
    return body;
  }

  function fillRegistration(form, body) {
    Array.from(form.elements).forEach((field) => {
      if (!field.name || !(field.name in body)) return;
      if (field.type === "checkbox") field.checked = Boolean(body[field.name]);
      else if (field.type === "radio") field.checked = field.value === body[field.name];
      else field.value = body[field.name] === 0 && field.type === "number" ? "" : body[field.name];
    });
  }

  // Errors beside their fields, as Django renders them (ul.errorlist#id_<field>_error, aria-invalid).
  function showFieldErrors(form, errors) {
    form.querySelectorAll(".errorlist").forEach((node) => node.remove());
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
    const summary = $("#register-summary");
    const other = [];
    Object.entries(errors).forEach(([field, messages]) => {
      const list = element("ul", { class: "errorlist", id: field === "household_size" ? "members_error" : `id_${field}_error` },
        messagesOf(messages).map((text) => element("li", { text })));
      if (field === "household_size") {
        const counts = form.querySelector("fieldset.counts");
        counts.querySelector("legend").after(list);
        counts.setAttribute("aria-describedby", "members_error");
        return;
      }
      const inputs = form.querySelectorAll(`[name="${field}"]`);
      if (!inputs.length) { other.push(...messagesOf(messages)); return; }
      inputs.forEach((input) => {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", list.id);
      });
      const group = form.querySelector(`#id_${field}`);
      const anchor = field === "consent_given" ? inputs[0].closest(".check") : (group && group.tagName === "DIV" ? group : inputs[0]);
      if (field === "consent_given") anchor.after(list); else anchor.before(list);
    });
    if (summary) {
      summary.hidden = !Object.keys(errors).length;
      summary.querySelectorAll(".extra").forEach((node) => node.remove());
      other.forEach((text) => summary.appendChild(element("p", { class: "extra", text })));
    }
    const first = form.querySelector("[aria-invalid]");
    if (first) first.focus();
  }

  function afterRegistration(form, key, body, label) {
    const distribution = Number((form.elements.distribution || {}).value);
    return all("lists").then((lists) => lists.find((entry) => entry.distribution === distribution)).then((entry) => {
      const size = Object.keys(body).filter((name) => /^(fe)?males_/.test(name)).reduce((sum, name) => sum + body[name], 0);
      const panel = element("section", { class: "offline-household" }, [element("h2", { text: label }),
        element("p", { class: "ok", role: "status", text: i18n.queued })]);
      if (entry) {
        panel.appendChild(receiptForm(entry.kits, size, [], (kits, method, proxyName) =>
          queueReceipts(entry.distribution, "pending:" + key, label, kits, method, proxyName)));
      }
      form.replaceWith(panel);
    });
  }

  function enhanceRegisterForm(form) {
    const rules = readRules();
    const drafts = $("#drafts");
    let draft = null;

    function openDraft() {
      const match = location.hash.match(/^#draft=([\w-]+)$/);
      if (!match) return Promise.resolve();
      return mine().then((queue) => {
        draft = queue.find((item) => item.id === match[1] && item.state === "refused") || null;
        if (!draft) return;
        fillRegistration(form, draft.body);
        showFieldErrors(form, draft.errors || {});
        const discard = element("button", { type: "button", class: "secondary", text: i18n.discardDraft });
        discard.addEventListener("click", () => {
          if (!window.confirm(i18n.discardConfirm)) return;
          const gone = draft.id;
          mine().then((queue) => Promise.all([remove("queue", gone), ...queue.filter((item) => item.household === "pending:" + gone).map((item) => remove("queue", item.id))]))
            .then(() => { location.hash = ""; location.reload(); });
        });
        drafts.replaceChildren(element("p", { class: "error", role: "alert", text: format(i18n.draftNotice, { household: draft.body.head_name || "" }) }), discard);
        drafts.hidden = false;
      });
    }

    form.addEventListener("submit", (event) => {
      const body = readRegistration(form);
      const errors = validateRegistration(rules, body);
      if (Object.keys(errors).length) { event.preventDefault(); showFieldErrors(form, errors); return; }
      // A draft is always sent through the queue: its receipts wait for it there.
      if ((navigator.onLine && !draft) || !form.dataset.site) return;
      event.preventDefault();
      const key = newUuid();
      const label = `${body.head_name} (${i18n.registered})`;
      const item = { id: key, kind: "household", owner: user, body, label, page: location.pathname + location.search };
      let saved = put("queue", item);
      if (draft) {
        // Corrected: a new Idempotency-Key (the body changed), the draft's receipts follow it.
        const old = draft.id;
        saved = saved.then(mine).then((queue) => Promise.all([
          remove("queue", old),
          ...queue.filter((other) => other.household === "pending:" + old).map((other) => put("queue", Object.assign(other, { household: "pending:" + key, label }))),
        ]));
      }
      saved.then(() => refreshStatus()).then(() => afterRegistration(form, key, body, label)).then(() => {
        if (draft) history.replaceState(null, "", location.pathname + location.search);
        return sync();
      });
    });
    // The draft's link from this very page (its form replaced by the queued panel): open it afresh.
    window.addEventListener("hashchange", () => (document.contains(form) ? openDraft() : location.reload()));
    return openDraft();
  }

  // ---- Sign-out wipes the phone: the household lists, drafts and queue (after one last sync, and only
  // once the officer confirms losing what could not be sent). Session expiry: see static/field/signed-out.js.
  function enhanceSignOut(form) {
    let confirmed = false;
    form.addEventListener("submit", (event) => {
      if (confirmed) return;
      event.preventDefault();
      const go = () => wipe().then(() => (window.caches ? caches.delete("field-pages") : null)).catch(() => {}).then(() => {
        confirmed = true;
        form.submit();
      });
      sync().then(mine).then((queue) => {
        const waiting = householdsWaiting(queue) + queue.filter((item) => item.state === "refused").length;
        if (waiting && !window.confirm(format(i18n.signOutUnsent, { count: waiting.toLocaleString(lang) }))) return null;
        return go();
      }).catch(go);
    });
  }

  function start() {
    const script = document.currentScript || $("script[data-sw]");
    if ("serviceWorker" in navigator && script && script.dataset.sw) {
      navigator.serviceWorker.register(script.dataset.sw, { scope: "/field/" }).catch(() => {});
    }
    const logout = $('form[action$="/logout/"]');
    if (logout) enhanceSignOut(logout);
    claim().then(() => {
      const open = $("[data-open-distributions]");
      if (open) pruneLists(open.dataset.openDistributions.split(",").filter(Boolean).map(Number));
      if (screen) { enhanceSearch(); loadList(true); }
      document.querySelectorAll("form.receive[data-household]").forEach(enhanceReceiveForm);
      const register = $("#register-form");
      return register ? enhanceRegisterForm(register) : null;
    }).then(() => {
      window.addEventListener("online", sync);
      window.addEventListener("offline", () => refreshStatus());
      return sync();
    });
  }

  if (!window.indexedDB) return;
  start();
})();
