/* The check-in app at the door: works with or without the venue's network.

   Opening a session keeps its door list (names, ticket types, hashes of the ticket codes,
   status) in IndexedDB and refreshes it by delta every few seconds while online, so other
   doors' check-ins show up here. Every check-in and check-out is queued locally with an id
   made here and the device's time, shown at once, and sent to the sync API when the network
   is there; the server decides conflicts (the earliest scan wins) and this page shows its
   answer. Cancelled tickets are refused offline as online. The QR scanner is jsQR
   (vendored in static/vendor/jsqr). Without JavaScript the page's forms still work online.

   The list is forgotten 12 hours after the session ends, when another person signs in on
   this device, and on sign-out (the server's Clear-Site-Data wipes the storage). */
(function () {
  "use strict";
  var root = document.querySelector("[data-door]");
  var keeper = root || document.querySelector("[data-door-keeper]");
  if (!keeper || !window.indexedDB || !window.fetch) return;
  var userId = keeper.dataset.user;
  if (!root) {
    // A staff page that is not a door (the session list, a session that has ended): only
    // forget what this device should no longer keep.
    openDb().then(function (opened) { db = opened; return forgetStale(); });
    return;
  }

  var sessionId = Number(root.dataset.session);
  var staffName = root.dataset.staffName;
  var listUrl = root.dataset.listUrl;
  var syncUrl = root.dataset.syncUrl;
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  // The words, translated by the page (templates/courses/includes/door_text.html).
  var words = (root.querySelector(".door-text") || root).dataset;
  var banner = root.querySelector(".door-banner");
  var attention = root.querySelector(".door-attention");
  var list = root.querySelector(".attendee-list");
  var searchInput = root.querySelector("#attendee-search");
  var searchNote = root.querySelector(".door-search-note");
  var scanner = root.querySelector(".scanner");
  var feedback = root.querySelector(".scan-feedback");
  var POLL_MS = 3000;
  var clock = new Intl.DateTimeFormat("en-US", {
    hour: "numeric", minute: "2-digit", timeZone: root.dataset.tz,
  });

  var db = null;
  var meta = { session: sessionId, user: userId, cursor: null, expires_at: null, counts: null };
  var attendees = {};   // registration id -> door row
  var queue = [];       // actions not yet answered by the server, oldest first
  var notes = {};       // answers staff must see: server flags and this device's conflicts
  var online = navigator.onLine;
  var syncing = false;
  var refreshing = false;

  // --- Storage ----------------------------------------------------------------------------

  function request(idbRequest) {
    return new Promise(function (resolve, reject) {
      idbRequest.onsuccess = function () { resolve(idbRequest.result); };
      idbRequest.onerror = function () { reject(idbRequest.error); };
    });
  }

  function openDb() {
    var opening = indexedDB.open("door", 1);
    opening.onupgradeneeded = function () {
      var upgrade = opening.result;
      upgrade.createObjectStore("meta", { keyPath: "session" });
      upgrade.createObjectStore("attendees", { keyPath: "key" }).createIndex("session", "session");
      upgrade.createObjectStore("queue", { keyPath: "id" }).createIndex("session", "session");
    };
    return request(opening);
  }

  function store(name, mode) {
    return db.transaction(name, mode || "readonly").objectStore(name);
  }

  function allOf(name, session) {
    return request(store(name).index("session").getAll(session));
  }

  function putAttendee(row) {
    row.key = sessionId + ":" + row.id;
    row.session = sessionId;
    return request(store("attendees", "readwrite").put(row));
  }

  function forgetAttendees(session) {
    return allOf("attendees", session).then(function (rows) {
      var writable = store("attendees", "readwrite");
      rows.forEach(function (row) { writable.delete(row.key); });
    });
  }

  function forgetSession(session) {
    var stores = ["attendees", "queue"];
    return Promise.all(stores.map(function (name) {
      return allOf(name, session).then(function (rows) {
        var writable = store(name, "readwrite");
        rows.forEach(function (row) { writable.delete(name === "queue" ? row.id : row.key); });
      });
    })).then(function () {
      return request(store("meta", "readwrite").delete(session));
    }).then(function () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({
          forget: "/staff/sessions/" + session + "/check-in/",
        });
      }
    });
  }

  // Another person's data, or a session long over, has no business on this phone.
  function forgetStale() {
    return request(store("meta").getAll()).then(function (all) {
      var now = Date.now();
      return Promise.all(all.filter(function (other) {
        return other.user !== userId || (other.expires_at && Date.parse(other.expires_at) < now);
      }).map(function (other) { return forgetSession(other.session); }));
    });
  }

  function load() {
    return Promise.all([
      request(store("meta").get(sessionId)),
      allOf("attendees", sessionId),
      allOf("queue", sessionId),
    ]).then(function (found) {
      if (found[0]) meta = found[0];
      found[1].forEach(function (row) { attendees[row.id] = row; });
      queue = found[2].sort(function (a, b) { return a.device_time < b.device_time ? -1 : 1; });
      queue.forEach(applyLocally);
    });
  }

  // --- What the door shows ----------------------------------------------------------------

  // words[key] with its %(name)s placeholders filled in from values.
  function say(key, values) {
    return (words[key] || "").replace(/%\((\w+)\)s/g, function (all, name) {
      return values && name in values ? String(values[name]) : all;
    });
  }

  function sayCount(key, count) {
    return say(key + (count === 1 ? "One" : "Other"), { count: count });
  }

  function showBanner() {
    var waiting = queue.length;
    banner.hidden = false;
    if (!online) {
      banner.className = "door-banner door-banner--offline";
      banner.textContent = sayCount("offline", waiting);
    } else if (waiting) {
      banner.className = "door-banner door-banner--syncing";
      banner.textContent = sayCount("syncing", waiting);
    } else {
      banner.className = "door-banner door-banner--online";
      banner.textContent = say("synced");
    }
  }

  function show(kind, text) {
    feedback.hidden = false;
    feedback.className = "scan-feedback scan-feedback--" + kind;
    feedback.textContent = text;
    if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 80 : [60, 60, 60]);
  }

  function showNotes() {
    var items = Object.keys(notes).map(function (key) { return notes[key]; });
    attention.hidden = items.length === 0;
    var ul = attention.querySelector("ul");
    ul.textContent = "";
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      ul.appendChild(li);
    });
  }

  function showCounts() {
    var counts = { confirmed: 0, "checked-in": 0, "checked-out": 0 };
    Object.keys(attendees).forEach(function (id) {
      var row = attendees[id];
      if (row.status !== "confirmed") return;
      counts.confirmed += 1;
      if (row.checked_in_at) counts["checked-in"] += 1;
      if (row.checked_out_at) counts["checked-out"] += 1;
    });
    Object.keys(counts).forEach(function (name) {
      var cell = root.querySelector("[data-count=" + name + "]");
      if (cell) cell.textContent = String(counts[name]);
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function badge(row) {
    if (row.status !== "confirmed") return element("span", "badge badge--danger", say("canceled"));
    if (row.checked_out_at) return element("span", "badge badge--muted", say("checkedOutWhen", { when: row.checked_out }));
    if (row.checked_in_at) return element("span", "badge badge--success", say("checkedInWhen", { when: row.checked_in }));
    return element("span", "badge badge--warning", say("notArrived"));
  }

  function actionButton(row) {
    if (row.status !== "confirmed" || row.checked_out_at) return null;
    var checkOut = Boolean(row.checked_in_at);
    var button = element(
      "button", "button button--small" + (checkOut ? " button--ghost" : ""),
      say(checkOut ? "checkOut" : "checkIn")
    );
    button.type = "button";
    button.setAttribute("aria-label", say(checkOut ? "checkOutName" : "checkInName", { name: row.name }));
    button.addEventListener("click", function () {
      act(row.id, checkOut ? "check_out" : "check_in");
    });
    return button;
  }

  function matches(row, query) {
    if (!query) return true;
    var text = (row.name + " " + row.ticket_type).toLowerCase();
    return query.toLowerCase().split(/\s+/).every(function (word) { return text.indexOf(word) !== -1; });
  }

  function showList() {
    var query = searchInput ? searchInput.value.trim() : "";
    var rows = Object.keys(attendees).map(function (id) { return attendees[id]; })
      .filter(function (row) { return matches(row, query); })
      .sort(function (a, b) { return a.name.localeCompare(b.name) || a.id - b.id; });
    list.textContent = "";
    rows.forEach(function (row) {
      var li = element("li", "attendee");
      li.id = "attendee-" + row.id;
      var who = element("div", "attendee__who");
      who.appendChild(element("span", "attendee__name", row.name));
      who.appendChild(element("span", "muted attendee__meta",
        row.ticket_type + (row.notes ? " · " + row.notes : "")));
      var status = element("span", "attendee__status");
      status.appendChild(badge(row));
      if (row.pending) status.appendChild(element("span", "badge badge--muted", say("waiting")));
      who.appendChild(status);
      li.appendChild(who);
      var actions = element("div", "attendee__actions");
      var button = actionButton(row);
      if (button) actions.appendChild(button);
      li.appendChild(actions);
      list.appendChild(li);
    });
    searchNote.hidden = !query;
    searchNote.textContent = query
      ? say(rows.length ? "matching" : "noMatch", { query: query })
      : "";
    var empty = root.querySelector(".attendees .empty-state");
    if (empty) empty.hidden = rows.length > 0 || Boolean(query);
  }

  function render() {
    showBanner();
    showNotes();
    // Until the first list arrives, the page's own (server-rendered) list stays.
    if (!meta.cursor && !Object.keys(attendees).length) return;
    showCounts();
    showList();
  }

  // --- Acting at the door -----------------------------------------------------------------

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // What this device did shows at once, marked as waiting until the server answers.
  function applyLocally(action) {
    var row = attendees[action.registration];
    if (!row) return;
    var label = say("whenBy", { time: clock.format(new Date(action.device_time)), staff: action.staff_name });
    if (action.kind === "check_in") {
      row.checked_in_at = action.device_time;
      row.checked_in = label;
    } else {
      row.checked_out_at = action.device_time;
      row.checked_out = label;
    }
    row.pending = true;
  }

  function act(registrationId, kind) {
    var row = attendees[registrationId];
    if (!row) return;
    if (row.status !== "confirmed") {
      show("refused", row.refusal || say("notValid", { name: row.name }));
      return;
    }
    if (kind === "check_in" && row.checked_in_at) {
      show("refused", say("alreadyIn", { name: row.name, time: row.checked_in }));
      return;
    }
    if (kind === "check_out" && row.checked_out_at) {
      show("refused", say("alreadyOut", { name: row.name, time: row.checked_out }));
      return;
    }
    var action = {
      id: newId(),
      session: sessionId,
      kind: kind,
      registration: row.id,
      device_time: new Date().toISOString(),
      staff_name: staffName,
    };
    queue.push(action);
    applyLocally(action);
    request(store("queue", "readwrite").put(action)).then(function () {
      return putAttendee(row);
    });
    show("ok", kind === "check_in"
      ? say(row.notes ? "welcomeNotes" : "welcome", { name: row.name, notes: row.notes })
      : say("checkedOut", { name: row.name }));
    render();
    sync();
  }

  function sha256(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (digest) {
      return Array.prototype.map.call(new Uint8Array(digest), function (b) {
        return (b + 0x100).toString(16).slice(1);
      }).join("");
    });
  }

  function checkInCode(code) {
    code = (code || "").trim();
    if (!code) {
      show("refused", say("enterCode"));
      return Promise.resolve();
    }
    return sha256(code).then(function (hash) {
      var found = Object.keys(attendees).map(function (id) { return attendees[id]; })
        .filter(function (row) { return row.code_hash === hash; })[0];
      if (!found) {
        show("refused", say("unknownTicket"));
        return;
      }
      act(found.id, "check_in");
    });
  }

  // --- Talking to the server --------------------------------------------------------------

  function goOffline() {
    online = false;
    showBanner();
  }

  function refresh() {
    if (refreshing) return Promise.resolve();
    refreshing = true;
    var url = listUrl + (meta.cursor ? "?since=" + encodeURIComponent(meta.cursor) : "");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 403) {
          // Signed out or no longer allowed: keep no attendee here. The queue (ids and times
          // only) stays, to be sent once someone allowed signs in on this device.
          return forgetAttendees(sessionId).then(function () {
            attendees = {};
            meta.cursor = null;
            show("refused", say("signInAgain"));
          });
        }
        if (!response.ok) throw new Error("list " + response.status);
        return response.json().then(function (data) {
          online = true;
          data.attendees.forEach(function (row) {
            // A check-in still waiting here stays shown until the server has answered it.
            var waiting = queue.some(function (action) { return action.registration === row.id; });
            if (waiting) return;
            attendees[row.id] = row;
            putAttendee(row);
          });
          Object.keys(notes).forEach(function (key) { if (key.indexOf("flag:") === 0) delete notes[key]; });
          data.flags.forEach(function (flag) { notes["flag:" + flag.id] = flag.message; });
          meta.cursor = data.cursor;
          meta.expires_at = data.expires_at;
          return request(store("meta", "readwrite").put(meta));
        });
      })
      .catch(goOffline)
      .then(function () {
        refreshing = false;
        render();
      });
  }

  function answered(result) {
    queue = queue.filter(function (action) { return action.id !== result.id; });
    store("queue", "readwrite").delete(result.id);
    var row = attendees[result.registration];
    if (row) row.pending = queue.some(function (action) { return action.registration === row.id; });
    if (result.outcome !== "applied") notes["action:" + result.id] = result.message;
  }

  function sync() {
    if (syncing || !queue.length) return Promise.resolve();
    syncing = true;
    var batch = queue.slice(0, 200).map(function (action) {
      return { id: action.id, kind: action.kind, registration: action.registration, device_time: action.device_time };
    });
    return fetch(syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ actions: batch }),
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            notes.sync = say("serverRefused", { error: data.error || response.status });
            return;
          }
          delete notes.sync;
          online = true;
          data.results.forEach(answered);
          // Applied actions come back with the next delta. When another device was first,
          // the server's row did not change now: read the whole list to show its answer.
          if (data.results.some(function (result) { return result.outcome !== "applied"; })) {
            meta.cursor = null;
          }
        });
      })
      .catch(goOffline)
      .then(function () {
        syncing = false;
        render();
        return refresh();
      });
  }

  function tick() {
    if (!navigator.onLine) {
      goOffline();
      return Promise.resolve();
    }
    return queue.length ? sync() : refresh();
  }

  // --- Wiring -----------------------------------------------------------------------------

  var manual = root.querySelector(".scanner__manual");
  manual.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = manual.querySelector("input[name=code]");
    checkInCode(input.value).then(function () { input.value = ""; input.focus(); });
  });
  var search = root.querySelector(".attendees .search-form");
  search.addEventListener("submit", function (event) {
    event.preventDefault();
    showList();
  });
  searchInput.addEventListener("input", showList);
  // The list kept on this device has no e-mails or license numbers: say what it searches.
  var searchLabel = root.querySelector("label[for=attendee-search]");
  if (searchLabel) searchLabel.textContent = say("searchLabel");
  window.addEventListener("online", function () { online = true; sync().then(refresh); });
  window.addEventListener("offline", goOffline);

  if (navigator.serviceWorker) {
    navigator.serviceWorker.register(root.dataset.swUrl, { scope: "/staff/" }).catch(function () {});
  }

  openDb()
    .then(function (opened) { db = opened; return forgetStale(); })
    .then(load)
    .then(function () {
      render();
      return tick();
    })
    .then(function () {
      // Ready: the list this device keeps is loaded (and refreshed when online).
      root.dataset.doorReady = "true";
      setInterval(tick, POLL_MS);
    });

  // --- The camera -------------------------------------------------------------------------

  if (!scanner || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
    return; // No camera API (or no HTTPS): the typed code is the way.
  }
  var viewport = scanner.querySelector(".scanner__viewport");
  var video = scanner.querySelector(".scanner__video");
  var canvas = scanner.querySelector(".scanner__canvas");
  var startButton = scanner.querySelector(".scanner__start");
  var stopButton = scanner.querySelector(".scanner__stop");
  var stream = null;
  var lastCode = null;
  var lastCodeAt = 0;
  startButton.hidden = false;

  function ticketCode(text) {
    // Tickets carry the bare code; accept a URL ending in the code too.
    var trimmed = (text || "").trim();
    var parts = trimmed.split(/[\/=]/).filter(Boolean);
    return parts.length ? parts[parts.length - 1] : trimmed;
  }

  function frame() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var result = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (result && result.data) {
        var code = ticketCode(result.data);
        var now = Date.now();
        // The same code stays in view for a while: act on it once, not every frame.
        if (code !== lastCode || now - lastCodeAt > 5000) {
          lastCode = code;
          lastCodeAt = now;
          checkInCode(code);
        }
      }
    }
    requestAnimationFrame(frame);
  }

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    viewport.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  startButton.addEventListener("click", function () {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (mediaStream) {
        stream = mediaStream;
        video.srcObject = mediaStream;
        viewport.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        return video.play();
      })
      .then(function () {
        show("info", say("cameraOn"));
        requestAnimationFrame(frame);
      })
      .catch(function () {
        stop();
        show("refused", say("cameraFailed"));
      });
  });
  stopButton.addEventListener("click", stop);
})();
