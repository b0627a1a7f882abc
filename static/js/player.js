// Lesson player: resume where the viewer left off and save the position as they watch.
// Positions go to the progress API every few seconds while playing, and on pause, end
// and leaving the page. Without JavaScript the <video> still plays its original file
// (HTTP Range); with it, the adaptive HLS stream plays when the lesson has one: through
// hls.js (loaded only then) wherever Media Source Extensions exist, natively where they
// do not (older iPhones). hls.js first, as its documentation advises: Chromium now also
// answers canPlayType(HLS) with "maybe", and hls.js gives every browser the same bitrate
// switching and a fallback to the original file when a link expires. Speed, captions
// and keyboard shortcuts are here too; the transcript is in transcript.js.
(function () {
  "use strict";
  var SAVE_EVERY_MS = 5000;
  var SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var SPEED_KEY = "pm-player-speed";

  function loadScript(src, done) {
    var script = document.createElement("script");
    script.src = src;
    script.onload = function () { done(true); };
    script.onerror = function () { done(false); };
    document.head.appendChild(script);
  }

  function playNatively(video, url) {
    if (!video.canPlayType("application/vnd.apple.mpegurl")) {
      video.dataset.engine = "progressive";
      return;
    }
    video.dataset.engine = "native-hls";
    video.src = url;
  }

  // The adaptive stream; the progressive <source> stays as the fallback.
  function attachStream(video, say) {
    var url = video.dataset.hlsUrl;
    if (!url) { return; }
    if (!(window.MediaSource || window.ManagedMediaSource)) { playNatively(video, url); return; }
    loadScript(video.dataset.hlsLibrary, function (ok) {
      if (!ok || !window.Hls || !window.Hls.isSupported()) { playNatively(video, url); return; }
      var hls = new window.Hls({ capLevelToPlayerSize: true });
      var fatalErrors = 0;
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (!data.fatal) { return; }
        fatalErrors += 1;
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && fatalErrors < 3) {
          hls.recoverMediaError();
          return;
        }
        // Links expire or access ends: fall back to the original file, which asks again.
        hls.destroy();
        video.dataset.engine = "progressive";
        video.removeAttribute("src");
        video.load();
        say(video.closest("[data-player]").dataset.saidStreamStopped);
      });
      video.dataset.engine = "hls.js";
      hls.loadSource(url);
      hls.attachMedia(video);
    });
  }

  function captionTrack(video) {
    return video.textTracks && video.textTracks.length ? video.textTracks[0] : null;
  }

  function setupControls(video, player) {
    var speed = player.querySelector("[data-player-speed]");
    var captions = player.querySelector("[data-player-captions]");

    function setSpeed(rate) {
      video.playbackRate = rate;
      if (speed) { speed.value = String(rate); }
      try { window.localStorage.setItem(SPEED_KEY, String(rate)); } catch (e) { /* private mode */ }
    }
    function stepSpeed(step) {
      var index = SPEEDS.indexOf(video.playbackRate);
      if (index < 0) { index = 1; }
      setSpeed(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, index + step))]);
    }
    var saved = null;
    try { saved = parseFloat(window.localStorage.getItem(SPEED_KEY)); } catch (e) { saved = null; }
    if (saved && SPEEDS.indexOf(saved) >= 0) { setSpeed(saved); }
    if (speed) { speed.addEventListener("change", function () { setSpeed(parseFloat(speed.value)); }); }
    // Browsers reset the rate when a new source loads (hls.js attaching).
    video.addEventListener("loadedmetadata", function () {
      if (speed) { video.playbackRate = parseFloat(speed.value) || 1; }
    });

    function showCaptions(on) {
      var track = captionTrack(video);
      if (!track) { return; }
      track.mode = on ? "showing" : "disabled";
      if (captions) { captions.setAttribute("aria-pressed", on ? "true" : "false"); }
    }
    function toggleCaptions() {
      var track = captionTrack(video);
      showCaptions(!(track && track.mode === "showing"));
    }
    if (captions) { captions.addEventListener("click", toggleCaptions); }
    if (video.textTracks) {
      // The browser's own captions menu changes the mode too: keep the button honest.
      video.textTracks.addEventListener("change", function () {
        var track = captionTrack(video);
        if (captions && track) { captions.setAttribute("aria-pressed", track.mode === "showing" ? "true" : "false"); }
      });
    }

    function seekBy(seconds) {
      var end = isFinite(video.duration) ? video.duration : Infinity;
      video.currentTime = Math.max(0, Math.min(end, video.currentTime + seconds));
    }
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var target = event.target;
      var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
      if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) { return; }
      var onControl = tag === "button" || tag === "a" || tag === "summary";
      var key = event.key;
      var handled = true;
      if ((key === " " && !onControl) || key === "k" || key === "K") {
        if (video.paused) { video.play(); } else { video.pause(); }
      } else if (key === "j" || key === "J") { seekBy(-10);
      } else if (key === "l" || key === "L") { seekBy(10);
      } else if (key === "ArrowLeft" && !onControl) { seekBy(-5);
      } else if (key === "ArrowRight" && !onControl) { seekBy(5);
      } else if (key === "c" || key === "C") { toggleCaptions();
      } else if (key === "<") { stepSpeed(-1);
      } else if (key === ">") { stepSpeed(1);
      } else { handled = false; }
      if (handled) { event.preventDefault(); }
    });
  }

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
    attachStream(video, say);
    setupControls(video, video.closest("[data-player]"));

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
      if (video.dataset.engine === "hls.js") { return; }  // hls.js reports its own
      say(said.saidNotLoaded);
    });
    window.addEventListener("pagehide", function () { save(true); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(true); }
    });
    // Chapters (timestamped headings of the lesson notes) seek like transcript lines.
    var chapterButtons = document.querySelectorAll("[data-seek-to]");
    for (var c = 0; c < chapterButtons.length; c++) {
      chapterButtons[c].addEventListener("click", function (event) {
        video.currentTime = parseFloat(event.currentTarget.dataset.seekTo) || 0;
        if (video.paused) { video.play(); }
      });
    }
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
