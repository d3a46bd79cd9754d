/* Station kiosk: one decision per screen, idle reset, and nothing left behind for the next person.
 *
 * The draft lives only in this page's form. Every navigation replaces the history entry (so the
 * back button cannot bring a previous visit back), every POST first fetches a fresh CSRF token
 * (an idle page never submits a stale one), and a reset wipes the form, the page's storage and
 * the server-side session before loading a fresh start screen in the station's language.
 */
(function () {
  "use strict";
  var body = document.body;
  var data = body.dataset;
  var form = document.getElementById("k-form");
  var CARRY = "kiosk-carry"; // only across a language switch; read back and removed at once
  var STEPS = ["kind", "category", "describe", "where", "contact", "review"];
  var current = "kind";
  var lastActivity = Date.now();
  var loadedAt = Date.now();
  var FRESH_FOR = 60 * 60 * 1000;
  var countdownLeft = -1;
  var resetting = false;
  var sending = false;
  var supporting = false;
  var looking = false;
  var idleDialog = document.getElementById("k-idle");

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  /* ---------- server calls ---------- */
  function freshToken() {
    return fetch(data.csrfUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) {
        if (r.status === 403) { refused(); }
        if (!r.ok) { throw new Error("csrf " + r.status); }
        return r.json();
      })
      .then(function (j) { return j.csrf_token; });
  }
  function post(url, payload) {
    return freshToken().then(function (token) {
      return fetch(url, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: {"Content-Type": "application/json", "X-CSRFToken": token},
        body: JSON.stringify(payload || {})
      });
    });
  }

  /* A revoked (or no longer enrolled) kiosk: wipe, and let the server explain. */
  function refused() {
    resetting = true;
    wipeAll();
    window.location.reload();
  }

  /* ---------- wiping ---------- */
  function clearStorage() {
    try { window.localStorage.clear(); } catch (e) { /* storage may be disabled */ }
    try { window.sessionStorage.clear(); } catch (e) { /* idem */ }
  }
  function wipeForm() {
    if (!form) { return; }
    $all("input, textarea", form).forEach(function (el) {
      if (el.type === "checkbox") { el.checked = false; } else { el.value = ""; }
    });
    $all("[data-show]", form).forEach(function (el) { el.textContent = ""; });
    $all("[aria-pressed]", form).forEach(function (el) { el.setAttribute("aria-pressed", "false"); });
    clearSimilar();
    form.reset();
  }
  function wipeReceipt() {
    $all(".k-receipt").forEach(function (el) { el.textContent = ""; });
  }
  function wipeAll() { wipeForm(); wipeReceipt(); clearStorage(); }

  function reset() {
    if (resetting) { return; }
    resetting = true;
    wipeAll();
    var done = function () { window.location.replace(data.startUrl); };
    // The reset POST drops the server-side session; even if it fails the page is wiped. It needs
    // no CSRF token (the device cookie never travels cross-site), so it is one round trip.
    var timer = window.setTimeout(done, 4000);
    fetch(data.resetUrl, {method: "POST", credentials: "same-origin", cache: "no-store"})
      .then(done, done).then(function () { window.clearTimeout(timer); });
  }

  /* ---------- idle ---------- */
  function isDirty() {
    if (body.classList.contains("k-receipt-page")) { return true; }
    if (data.lang !== data.defaultLang || current !== "kind") { return true; }
    return !!form && $all("input, textarea", form).some(function (el) {
      return el.type === "checkbox" ? el.checked : (el.type !== "hidden" && el.value !== "");
    });
  }
  function activity() {
    lastActivity = Date.now();
    if (countdownLeft >= 0) { hideIdle(); }
  }
  function showIdle() {
    countdownLeft = parseInt(data.countdown, 10);
    $("#k-idle-count").textContent = String(countdownLeft);
    if (idleDialog && !idleDialog.open) { idleDialog.showModal(); }
  }
  function hideIdle() {
    countdownLeft = -1;
    if (idleDialog && idleDialog.open) { idleDialog.close(); }
    lastActivity = Date.now();
  }
  function tick() {
    if (resetting) { return; }
    if (body.classList.contains("k-receipt-page")) {
      receiptLeft -= 1;
      var c = $("#k-receipt-count");
      if (c) { c.textContent = String(Math.max(receiptLeft, 0)); }
      if (receiptLeft <= 0) { reset(); }
      return;
    }
    if (countdownLeft >= 0) {
      countdownLeft -= 1;
      $("#k-idle-count").textContent = String(Math.max(countdownLeft, 0));
      if (countdownLeft <= 0) { reset(); }
      return;
    }
    if (isDirty()) {
      if (Date.now() - lastActivity >= parseInt(data.idle, 10) * 1000) { showIdle(); }
    } else if (Date.now() - loadedAt >= FRESH_FOR) {
      // An untouched start screen reloads itself now and then: a fresh page, never an old one.
      resetting = true;
      window.location.replace(data.startUrl);
    }
  }
  var receiptLeft = parseInt(data.receipt || "0", 10);

  /* ---------- steps ---------- */
  function show(step, focus) {
    current = step;
    $all(".k-step").forEach(function (el) { el.hidden = el.dataset.step !== step; });
    window.scrollTo(0, 0);
    var heading = $('.k-step[data-step="' + step + '"] h1');
    if (heading && focus !== false) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    if (step === "review") { fillReview(); }
    if (step === "where") { openMap(); }
  }

  /* ---------- the location step's map (its assets load only when the step is shown) ---------- */
  var mapBox = document.getElementById("k-map-box");
  var mapState = "";  // "", "loading", "ready"
  var picker = null;
  function loadAsset(url) {
    return new Promise(function (resolve, reject) {
      var el;
      if (/\.css(\?|$)/.test(url)) {
        el = document.createElement("link");
        el.rel = "stylesheet";
        el.href = url;
      } else {
        el = document.createElement("script");
        el.src = url;
        el.async = false;
      }
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }
  function openMap() {
    if (!mapBox) { return; }
    if (mapState === "ready") { picker.map.invalidateSize(); return; }
    if (mapState === "loading") { return; }
    mapState = "loading";
    JSON.parse(mapBox.dataset.assets).reduce(function (chain, url) {
      return chain.then(function () { return loadAsset(url); });
    }, Promise.resolve()).then(function () {
      if (!window.PortalMap || resetting) { return; }
      picker = PortalMap.picker(mapBox, {
        map: document.getElementById("k-map"), lat: form.elements.latitude,
        lon: form.elements.longitude, area: form.elements.area,
        status: document.getElementById("picker-status"),
        search: document.getElementById("place-search"),
        results: document.getElementById("place-results"), resultClass: "k-tile k-small"
      }, { tap: true, touchZoom: true, dragging: true, zoomSnap: 0.5 });
      picker.map.attributionControl.setPrefix(false);  // no link away from the kiosk
      mapState = "ready";
      mapBox.classList.add("k-map-ready");
    }, function () { mapState = ""; });  // no map: the area list and the place text still work
  }
  function value(name) { var el = form.elements[name]; return el ? (el.type === "checkbox" ? el.checked : el.value.trim()) : ""; }
  function showError(id, message) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (message) { el.textContent = message; }
    el.hidden = false;
    var field = form.elements[id.replace("-error", "")];
    if (field && field.setAttribute) { field.setAttribute("aria-invalid", "true"); field.setAttribute("aria-describedby", id); }
  }
  function clearErrors(step) {
    var root = step ? $('.k-step[data-step="' + step + '"]') : form;
    $all(".k-error", root).forEach(function (el) { el.hidden = true; });
    $all("[aria-invalid]", root).forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }
  function validate(step) {
    clearErrors(step);
    if (step === "describe") {
      var ok = true;
      var title = form.elements.title, bodyField = form.elements.body;
      if (title.value.trim().length < parseInt(title.dataset.min, 10)) { showError("title-error"); ok = false; }
      if (bodyField.value.trim().length < parseInt(bodyField.dataset.min, 10)) { showError("body-error"); ok = false; }
      return ok;
    }
    if (step === "category") {
      if (!value("category")) { showError("category-error"); return false; }
    }
    return true;
  }
  function next() {
    if (!validate(current)) { return; }
    if (current === "describe") { lookSimilar(); return; }
    if (current === "similar") { show("where"); return; }
    var i = STEPS.indexOf(current);
    if (i < STEPS.length - 1) { show(STEPS[i + 1]); }
  }
  function back() {
    if (current === "emergency") { show("category"); return; }
    if (current === "similar") { show("describe"); return; }
    if (current === "where" && similarShown()) { show("similar"); return; }
    var i = STEPS.indexOf(current);
    if (i > 0) { show(STEPS[i - 1]); }
  }
  function pressed(group, el) {
    $all(group).forEach(function (b) { b.setAttribute("aria-pressed", b === el ? "true" : "false"); });
  }
  function chooseCategory(code) {
    form.elements.category.value = code;
    pressed("[data-category]", $('[data-category="' + code + '"]'));
    $all("[data-phrases-for]").forEach(function (el) { el.hidden = el.dataset.phrasesFor !== code; });
    $all("[data-notice-for]").forEach(function (el) { el.hidden = el.dataset.noticeFor !== code; });
    $all("[data-emergency-for]").forEach(function (el) { el.hidden = el.dataset.emergencyFor !== code; });
  }
  function filterLandmarks() {
    var area = form.elements.area.value, any = false;
    $all("[data-landmark]").forEach(function (b) {
      var visible = b.dataset.area === area;
      b.hidden = !visible;
      any = any || visible;
      if (!visible && b.getAttribute("aria-pressed") === "true") {
        b.setAttribute("aria-pressed", "false");
        form.elements.landmark.value = "";
      }
    });
    $(".k-no-landmarks").hidden = any;
  }
  function textOf(sel) { var el = $(sel); return el ? el.textContent.trim() : ""; }
  function fillReview() {
    var set = function (name, text) {
      var el = $('[data-show="' + name + '"]');
      el.textContent = text || el.dataset.empty || "";
    };
    var kindEl = $('[data-show="kind"]');
    set("kind", kindEl.dataset[value("kind")] || "");
    set("category", textOf('[data-category="' + value("category") + '"] span'));
    set("title", value("title"));
    set("body", value("body"));
    var area = form.elements.area;
    set("area", area.options[area.selectedIndex] ? area.options[area.selectedIndex].text : "");
    var landmark = value("landmark") ? textOf('[data-landmark="' + CSS.escape(value("landmark")) + '"] span') : "";
    set("place", [landmark, value("place")].filter(Boolean).join(" · "));
    var pointEl = $('[data-show="point"]');
    if (pointEl) { set("point", value("latitude") ? pointEl.dataset.chosen : ""); }
    var contact = [value("name"), value("phone"), value("email")].filter(Boolean).join(", ");
    var contactEl = $('[data-show="contact"]');
    set("contact", contact ? contact + (value("consent") ? " (" + contactEl.dataset.consent + ")" : "") : "");
  }

  /* ---------- similar published submissions ("this is my problem too") ---------- */
  function similarList() { return document.getElementById("k-similar-list"); }
  function similarShown() { var list = similarList(); return !!list && list.children.length > 0; }
  function clearSimilar() {
    var list = similarList();
    if (list) { while (list.firstChild) { list.removeChild(list.firstChild); } }
    var box = document.getElementById("k-support-error");
    if (box) { box.hidden = true; box.textContent = ""; }
  }
  function renderSimilar(results) {
    var list = similarList(), template = document.getElementById("k-similar-item");
    results.slice(0, 5).forEach(function (item, i) {
      var li = template.content.firstElementChild.cloneNode(true);
      var title = $(".k-similar-title", li);
      title.id = "k-similar-title-" + i;
      title.textContent = item.title; // textContent: text from the portal is never parsed as markup
      $(".k-meta", li).textContent = [item.status, item.area].filter(Boolean).join(" · ");
      var button = $("[data-support]", li);
      button.dataset.support = String(item.id);
      button.setAttribute("aria-describedby", title.id);
      list.appendChild(li);
    });
  }
  /* After the title: published submissions like it get a screen of their own (one decision per
     screen); with none, or when the lookup is slow or fails, the flow simply goes on. */
  function lookSimilar() {
    if (looking) { return; }
    clearSimilar();
    var title = value("title");
    if (!data.similarUrl || !title) { show("where"); return; }
    looking = true;
    var settled = false;
    var go = function (results) {
      if (settled) { return; }
      settled = true;
      looking = false;
      if (resetting || current !== "describe") { return; }
      if (results.length) { renderSimilar(results); show("similar"); } else { show("where"); }
    };
    var timer = window.setTimeout(function () { go([]); }, 4000);
    fetch(data.similarUrl + "?lang=" + encodeURIComponent(data.lang) + "&q=" + encodeURIComponent(title),
          {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.status === 403) { refused(); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (j) { window.clearTimeout(timer); go((j && j.results) || []); },
            function () { window.clearTimeout(timer); go([]); });
  }
  function support(button) {
    if (supporting || sending) { return; }
    supporting = true;
    var box = $("#k-support-error");
    box.hidden = true;
    var buttons = $all("[data-support]", similarList());
    buttons.forEach(function (b) { b.disabled = true; });
    var finish = function (kind) {
      supporting = false;
      buttons.forEach(function (b) { b.disabled = false; });
      box.textContent = box.dataset[kind];
      box.hidden = false;
    };
    /* The draft key makes a retry after a lost answer count once. */
    post(data.supportUrl, {submission: parseInt(button.dataset.support, 10), lang: data.lang,
                           draft_key: data.draftKey})
      .then(function (response) {
        if (response.status === 201) {
          return response.json().then(function (j) {
            wipeAll();
            resetting = true;
            window.location.replace(j.supported_url);
          });
        }
        if (response.status === 403) { refused(); return; }
        if (response.status === 404) {
          // Unpublished since the list was shown: take it away, the others stay.
          var item = button.closest("li");
          if (item) { item.parentNode.removeChild(item); }
          buttons = $all("[data-support]", similarList());
          finish("gone");
          return;
        }
        finish(response.status === 429 ? "busy" : "offline");
      }, function () { finish("offline"); });
  }

  /* ---------- sending ---------- */
  var FIELD_STEP = {kind: "kind", category: "category", title: "describe", body: "describe",
                    area: "where", place: "where", latitude: "where", name: "contact",
                    phone: "contact", email: "contact", consent: "contact", notify: "contact"};
  function draft() {
    return {kind: value("kind"), category: value("category"), title: value("title"),
            body: value("body"), area: value("area"), landmark: value("landmark"),
            place: value("place"), latitude: value("latitude"), longitude: value("longitude"),
            name: value("name"), phone: value("phone"),
            email: value("email"), consent: value("consent") === true,
            notify: value("notify") === true,
            draft_key: data.draftKey, lang: data.lang};
  }
  function freshKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function sendError(kind) {
    var box = $("#k-send-error");
    box.textContent = box.dataset[kind];
    box.hidden = false;
  }
  function send(button) {
    if (sending) { return; }
    sending = true;
    var label = button.textContent;
    button.textContent = button.dataset.sending;
    button.disabled = true;
    $("#k-send-error").hidden = true;
    var finish = function (retry) {
      sending = false;
      button.disabled = false;
      button.textContent = retry ? button.dataset.retry : label;
    };
    post(data.sendUrl, draft()).then(function (response) {
      if (response.status === 201) {
        return response.json().then(function (j) {
          wipeAll();
          resetting = true;
          window.location.replace(j.receipt_url);
        });
      }
      if (response.status === 422) {
        return response.json().then(function (j) {
          finish(false);
          var fields = (j.error && j.error.fields) || {};
          var first = null;
          Object.keys(fields).forEach(function (name) {
            showError(name + "-error", fields[name]);
            if (!first && FIELD_STEP[name]) { first = FIELD_STEP[name]; }
          });
          sendError("invalid");
          if (first && first !== "review") { show(first); }
        });
      }
      if (response.status === 403) { refused(); return; }
      if (response.status === 409) {
        // The draft's key was used for other content: a new key makes the next send a new
        // report (the portal shows nothing of the first).
        data.draftKey = freshKey();
        finish(false);
        sendError("conflict");
        return;
      }
      finish(true);
      sendError(response.status === 429 ? "busy" : "offline");
    }, function () {
      // The portal could not be reached: keep the draft (and its key) for a retry.
      finish(true);
      sendError("offline");
    });
  }

  /* ---------- language switch ---------- */
  function switchLanguage(link, event) {
    event.preventDefault();
    if (form && isDirty()) {
      try {
        window.sessionStorage.setItem(CARRY, JSON.stringify({step: current, draft: draft()}));
      } catch (e) { /* without storage the draft is not carried over */ }
    }
    resetting = true; // no idle reset while the page changes
    window.location.replace(link.href);
  }
  function restoreCarried() {
    var raw = null;
    try { raw = window.sessionStorage.getItem(CARRY); window.sessionStorage.removeItem(CARRY); } catch (e) { return; }
    if (!raw || !form) { return; }
    var saved;
    try { saved = JSON.parse(raw); } catch (e) { return; }
    var d = saved.draft || {};
    if (d.draft_key) { data.draftKey = d.draft_key; }
    ["kind", "title", "body", "place", "name", "phone", "email", "landmark", "latitude",
     "longitude"].forEach(function (k) {
      if (form.elements[k] && typeof d[k] === "string") { form.elements[k].value = d[k]; }
    });
    if (d.area && $('#k-area option[value="' + CSS.escape(d.area) + '"]')) { form.elements.area.value = d.area; }
    form.elements.consent.checked = d.consent === true;
    form.elements.notify.checked = d.notify === true;
    if (d.category) { chooseCategory(d.category); }
    filterLandmarks();
    if (d.landmark) { pressed("[data-landmark]", $('[data-landmark="' + CSS.escape(d.landmark) + '"]')); }
    if (STEPS.indexOf(saved.step) >= 0) { show(saved.step, false); }
    if (saved.step === "similar") { show("describe", false); lookSimilar(); } // in the new language
  }

  /* ---------- wiring ---------- */
  document.addEventListener("click", function (event) {
    var t = event.target.closest("button, a");
    if (!t) { return; }
    if (t.dataset.lang && t.tagName === "A") { switchLanguage(t, event); return; }
    if (t.dataset.kind) { form.elements.kind.value = t.dataset.kind; show("category"); return; }
    if (t.dataset.category) { chooseCategory(t.dataset.category); clearErrors("category"); show(t.dataset.emergency ? "emergency" : "describe"); return; }
    if (t.dataset.landmark !== undefined && t.dataset.landmark !== "") {
      var on = t.getAttribute("aria-pressed") !== "true";
      form.elements.landmark.value = on ? t.dataset.landmark : "";
      pressed("[data-landmark]", on ? t : null);
      return;
    }
    if (t.dataset.support) { support(t); return; }
    if (t.dataset.phrase) {
      var field = form.elements.body;
      field.value = (field.value.trim() ? field.value.trim() + " " : "") + t.dataset.phrase;
      if (!form.elements.title.value.trim()) { form.elements.title.value = t.dataset.phrase.replace(/[。.]$/, ""); }
      return;
    }
    switch (t.dataset.action) {
      case "next": next(); break;
      case "back": back(); break;
      case "reset": reset(); break;
      case "send": send(t); break;
      case "print": window.print(); break;
    }
  });
  ["pointerdown", "keydown", "input", "touchstart", "wheel"].forEach(function (name) {
    document.addEventListener(name, activity, {passive: true, capture: true});
  });
  $("#k-idle-continue").addEventListener("click", hideIdle);
  if (idleDialog) { idleDialog.addEventListener("cancel", function (e) { e.preventDefault(); hideIdle(); }); }
  if (form) {
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.elements.area.addEventListener("change", filterLandmarks);
    filterLandmarks();
    restoreCarried();
  }
  // Leaving the page (for whatever reason) takes nothing personal into the back/forward cache;
  // coming back from it loads a fresh start screen.
  window.addEventListener("pagehide", function () { if (!sending) { wipeForm(); wipeReceipt(); } });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) { wipeAll(); window.location.replace(data.startUrl); }
  });
  window.setInterval(tick, 1000);
  // An untouched start screen reports that it is alive, and learns if it was revoked.
  if (form && parseInt(data.heartbeat, 10) > 0) {
    window.setInterval(function () {
      if (isDirty()) { return; }
      post(data.heartbeatUrl).then(function (r) { if (r.status === 403) { refused(); } }, function () {});
    }, parseInt(data.heartbeat, 10) * 1000);
  }
  body.classList.add("k-ready");
})();
