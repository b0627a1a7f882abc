/* Check-in scanner: reads ticket QR codes with the camera (jsQR, vendored in
   static/vendor/jsqr) and checks them in with a POST; the typed-code form works without
   JavaScript or a camera. */
(function () {
  "use strict";
  var root = document.querySelector(".scanner");
  if (!root) return;
  var scanUrl = root.dataset.scanUrl;
  var viewport = root.querySelector(".scanner__viewport");
  var video = root.querySelector(".scanner__video");
  var canvas = root.querySelector(".scanner__canvas");
  var startButton = root.querySelector(".scanner__start");
  var stopButton = root.querySelector(".scanner__stop");
  var feedback = root.querySelector(".scan-feedback");
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var stream = null;
  var busy = false;
  var lastCode = null;
  var lastCodeAt = 0;

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
    return; // No camera API (or no HTTPS): the typed-code form is the way.
  }
  startButton.hidden = false;

  function show(kind, text) {
    feedback.hidden = false;
    feedback.className = "scan-feedback scan-feedback--" + kind;
    feedback.textContent = text;
  }

  // Keep the list and the counter in step without reloading the page.
  function markCheckedIn(registrationId, time) {
    var row = document.getElementById("attendee-" + registrationId);
    if (row) {
      var status = row.querySelector(".attendee__status .badge");
      if (status) {
        status.className = "badge badge--success";
        status.textContent = "Checked in " + time;
      }
      var form = row.querySelector(".attendee__actions form");
      if (form && form.querySelector("input[value=check_in]")) form.hidden = true;
    }
    var counter = document.querySelector("[data-count=checked-in]");
    if (counter) counter.textContent = String(Number(counter.textContent) + 1);
  }

  function ticketCode(text) {
    // Tickets carry the bare code; accept a URL ending in the code too.
    var trimmed = (text || "").trim();
    var parts = trimmed.split(/[\/=]/).filter(Boolean);
    return parts.length ? parts[parts.length - 1] : trimmed;
  }

  function submit(code) {
    busy = true;
    var body = new URLSearchParams({ code: code });
    fetch(scanUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      body: body,
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data.ok ? "ok" : "refused", data.message);
        if (data.ok) markCheckedIn(data.registration_id, data.checked_in_time);
        if (navigator.vibrate) navigator.vibrate(data.ok ? 80 : [60, 60, 60]);
      })
      .catch(function () {
        show("refused", "Could not reach the server. Check the connection and scan again.");
      })
      .finally(function () {
        // Give staff a moment to read the result before the next ticket.
        setTimeout(function () { busy = false; }, 1500);
      });
  }

  function tick() {
    if (!stream) return;
    if (!busy && video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var result = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (result && result.data) {
        var code = ticketCode(result.data);
        var now = Date.now();
        // The same code stays in view for a while: check it in once, not every frame.
        if (code !== lastCode || now - lastCodeAt > 5000) {
          lastCode = code;
          lastCodeAt = now;
          submit(code);
        }
      }
    }
    requestAnimationFrame(tick);
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
        show("info", "Camera on. Hold the ticket’s QR code inside the frame.");
        requestAnimationFrame(tick);
      })
      .catch(function () {
        stop();
        show("refused", "The camera could not be opened. Allow camera access, or type the code below.");
      });
  });
  stopButton.addEventListener("click", stop);
})();
