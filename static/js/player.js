// Lesson player: resume where the viewer left off and save the position as they watch.
// Positions go to the progress API every few seconds while playing, and on pause, end
// and leaving the page. Without JavaScript the <video> still plays; only saving stops.
(function () {
  "use strict";
  var SAVE_EVERY_MS = 5000;

  function setup(video) {
    var progressUrl = video.dataset.progressUrl;
    var token = video.dataset.token;
    var csrf = video.dataset.csrf;
    var resumeAt = parseFloat(video.dataset.resume || "0") || 0;
    var player = video.closest("[data-player]");
    // The words come translated from the page (templates/cms/lesson_page.html).
    var said = player.dataset;
    var status = player.querySelector("[data-player-status]");
    var restart = player.querySelector("[data-player-restart]");
    var lastSaved = -1;
    var timer = null;

    function say(text) { if (status) { status.textContent = text; } }

    function save(keepalive) {
      if (!progressUrl || !isFinite(video.duration) || video.duration <= 0) { return; }
      var position = Math.min(video.currentTime, video.duration);
      if (Math.abs(position - lastSaved) < 0.5) { return; }
      lastSaved = position;
      var body = JSON.stringify({ token: token, position: position, duration: video.duration });
      fetch(progressUrl, {
        method: "POST",
        credentials: "same-origin",
        keepalive: Boolean(keepalive),
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: body
      }).then(function (response) {
        if (!response.ok) { return response.json().then(function (data) { throw new Error(data.error); }); }
        return response.json();
      }).then(function (data) {
        if (data.completed) {
          video.dataset.completed = "true";
          say(said.saidCompleted);
        }
      }).catch(function (error) {
        lastSaved = -1;
        if (error && error.message) { say(said.saidNotSaved.replace("%(error)s", error.message)); }
      });
    }

    video.addEventListener("loadedmetadata", function () {
      // Resume unless the saved point is at the very end (then start again).
      if (resumeAt > 0 && resumeAt < video.duration - 3) {
        video.currentTime = resumeAt;
      }
    }, { once: true });
    video.addEventListener("play", function () {
      if (timer === null) { timer = window.setInterval(function () { save(false); }, SAVE_EVERY_MS); }
    });
    function stop() {
      if (timer !== null) { window.clearInterval(timer); timer = null; }
    }
    video.addEventListener("pause", function () { stop(); save(false); });
    video.addEventListener("ended", function () { stop(); save(false); });
    video.addEventListener("error", function () {
      say(said.saidNotLoaded);
    });
    window.addEventListener("pagehide", function () { save(true); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(true); }
    });
    if (restart) {
      restart.addEventListener("click", function () {
        video.currentTime = 0;
        restart.hidden = true;
        say("");
        video.play();
      });
    }
  }

  var videos = document.querySelectorAll("video[data-token]");
  for (var i = 0; i < videos.length; i++) { setup(videos[i]); }
})();
