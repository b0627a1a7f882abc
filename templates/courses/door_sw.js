{% load static %}/* The check-in app's service worker (scope /staff/).

   Keeps the check-in page and its scripts so the door keeps working when the venue's
   network drops. Pages are network-first and kept only when the server answered 200 to
   someone allowed to see them (a 403 or a login redirect is never kept); the attendee list
   and the queue of check-ins live in IndexedDB (static/js/checkin.js), not here.
   Signing out clears everything (the logout answer carries Clear-Site-Data). */
"use strict";

var CACHE = "door-{{ version }}";
var ASSETS = [
  "{% static 'css/site.css' %}",
  "{% static 'js/site.js' %}",
  "{% static 'js/checkin.js' %}",
  "{% static 'vendor/jsqr/jsQR.js' %}",
  "{% static 'images/favicon.svg' %}",
  "{% static 'images/logo.svg' %}",
  "{% static 'images/check-in-192.png' %}"
];
var KEPT_PAGES = /^\/staff\/sessions\/(\d+\/check-in\/)?$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("door-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keepPage(request, path) {
  return fetch(request).then(function (response) {
    if (response.status === 200 && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(path).then(function (kept) {
      return kept || new Response(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
        "<title>{{ offline_title|escapejs }}</title><h1>{{ offline_title|escapejs }}</h1><p>" +
        "{{ offline_text|escapejs }}</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
      );
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && KEPT_PAGES.test(url.pathname)) {
    event.respondWith(keepPage(request, url.pathname));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname).then(function (kept) {
      return kept || fetch(request);
    }));
  }
});

self.addEventListener("message", function (event) {
  // The page asks to forget a session's page once the session is over.
  if (event.data && event.data.forget) {
    caches.open(CACHE).then(function (cache) { cache.delete(event.data.forget); });
  }
});
