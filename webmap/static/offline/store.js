/*
 * The offline package on this device (IndexedDB): the public directory, the gazetteer, the
 * boundaries and the phrases of GET /api/v1/offline, kept for when there is no connection.
 *
 *   WebmapOffline.ready()    Promise of the stored package (downloaded first when none is stored
 *                            and the network answers), or null
 *   WebmapOffline.refresh()  Promise of {status: "unchanged" | "updated" | "offline", version}:
 *                            a conditional request (If-None-Match: the stored version), so an
 *                            unchanged package costs one 304
 *   WebmapOffline.info()     Promise of {version, generated_at, bytes} of the stored package, or null
 *   WebmapOffline.clear()    Promise: everything this app stored on the device is deleted
 *
 * The package is the same for every viewer (confidential places at their town only); signing
 * out clears the store anyway (account.js), so nothing stored while signed in outlives the session.
 * Only public data is stored, and navigator.storage.persist() asks the browser not to evict it.
 */
(function () {
  "use strict";

  var DB_NAME = "webmap-offline";
  var STORE = "package";
  var KEY = "current";
  var FORMAT = 1;
  var URL_ = "/api/v1/offline";
  var opening = null;
  var loaded = null;  // the package read from IndexedDB, kept in memory

  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    opening.catch(function () { opening = null; });
    return opening;
  }

  function transact(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function read() {
    if (loaded) return Promise.resolve(loaded);
    return transact("readonly", function (store) { return store.get(KEY); }).then(function (record) {
      if (record && record.data && record.data.format === FORMAT) loaded = record;
      return loaded;
    }).catch(function () { return null; });
  }

  function write(data, bytes) {
    var record = { version: data.version, generated_at: data.generated_at, bytes: bytes, data: data };
    return transact("readwrite", function (store) { store.put(record, KEY); }).then(function () {
      loaded = record;
      return record;
    });
  }

  function persist() {
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(function () { /* the browser decides */ });
    }
  }

  // Downloads wait at most this long for the server's first byte: a slow network is no network.
  var TIMEOUT_MS = 20000;

  function download(version) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    var headers = { Accept: "application/json" };
    if (version) headers["If-None-Match"] = '"' + version + '"';
    return fetch(URL_, { headers: headers, cache: "no-store", credentials: "omit",
                         signal: controller ? controller.signal : undefined })
      .then(function (response) {
        if (response.status === 304) return { status: "unchanged", version: version };
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text().then(function (body) {
          var data = JSON.parse(body);
          // Bytes on the device (the JSON text); the wire size is smaller (compressed).
          return write(data, body.length).then(function () { return { status: "updated", version: data.version }; });
        });
      })
      .catch(function () { return { status: "offline", version: version || null }; })
      .then(function (outcome) { if (timer) clearTimeout(timer); return outcome; });
  }

  var refreshing = null;

  function refresh() {
    if (refreshing) return refreshing;
    refreshing = read().then(function (record) {
      return download(record ? record.version : null);
    }).then(function (outcome) {
      refreshing = null;
      persist();
      api.refreshes += 1;
      document.dispatchEvent(new CustomEvent("webmap-offline-refresh", { detail: outcome }));
      return outcome;
    });
    return refreshing;
  }

  function ready() {
    return read().then(function (record) {
      if (record) return record.data;
      return refresh().then(function () { return read(); }).then(function (r) { return r ? r.data : null; });
    });
  }

  function info() {
    return read().then(function (record) {
      return record ? { version: record.version, generated_at: record.generated_at, bytes: record.bytes } : null;
    });
  }

  function clear() {
    loaded = null;
    return transact("readwrite", function (store) { store.clear(); }).catch(function () { /* nothing stored */ });
  }

  var api = { ready: ready, refresh: refresh, info: info, clear: clear, refreshes: 0 };
  window.WebmapOffline = api;
})();
