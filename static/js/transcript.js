// Transcript under the lesson video: each line seeks the video to its cue, the line being
// spoken is highlighted while the video plays, and the search box narrows the lines to
// those containing the words typed (matches marked). The lines are in the HTML (built
// on the server from the captions), so without JavaScript the transcript still reads.
(function () {
  "use strict";

  function setup(panel, video) {
    var list = panel.querySelector("[data-transcript-cues]");
    var search = panel.querySelector("[data-transcript-search]");
    var count = panel.querySelector("[data-transcript-count]");
    var empty = panel.querySelector("[data-transcript-empty]");
    var buttons = Array.prototype.slice.call(panel.querySelectorAll("[data-cue-start]"));
    var cues = buttons.map(function (button) {
      var text = button.querySelector("[data-cue-text]");
      return {
        button: button,
        item: button.parentNode,
        start: parseFloat(button.dataset.cueStart),
        end: parseFloat(button.dataset.cueEnd),
        textNode: text,
        text: text.textContent
      };
    });
    var intro = count ? count.textContent : "";
    var current = null;

    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        video.currentTime = parseFloat(button.dataset.cueStart) + 0.01;
        highlight();
        if (video.paused) { video.play(); }
      });
    });

    function highlight() {
      var time = video.currentTime;
      var found = null;
      for (var i = 0; i < cues.length; i++) {
        if (cues[i].start <= time && time < cues[i].end) { found = cues[i]; }
      }
      if (found === current) { return; }
      if (current) {
        current.button.classList.remove("is-current");
        current.button.removeAttribute("aria-current");
      }
      current = found;
      if (!found) { return; }
      found.button.classList.add("is-current");
      found.button.setAttribute("aria-current", "true");
      // Keep the spoken line in view inside the panel, without scrolling the page.
      if (!search || !search.value) {
        var top = found.item.offsetTop - list.offsetTop;
        if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - found.item.offsetHeight) {
          list.scrollTop = Math.max(0, top - list.clientHeight / 3);
        }
      }
    }
    video.addEventListener("timeupdate", highlight);
    video.addEventListener("seeked", highlight);

    function mark(cue, words) {
      var node = cue.textNode;
      while (node.firstChild) { node.removeChild(node.firstChild); }
      if (!words.length) { node.textContent = cue.text; return; }
      var lower = cue.text.toLowerCase();
      var at = 0;
      while (at < cue.text.length) {
        var next = -1;
        var length = 0;
        words.forEach(function (word) {
          var index = lower.indexOf(word, at);
          if (index >= 0 && (next < 0 || index < next)) { next = index; length = word.length; }
        });
        if (next < 0) { break; }
        if (next > at) { node.appendChild(document.createTextNode(cue.text.slice(at, next))); }
        var marked = document.createElement("mark");
        marked.textContent = cue.text.slice(next, next + length);
        node.appendChild(marked);
        at = next + length;
      }
      if (at < cue.text.length) { node.appendChild(document.createTextNode(cue.text.slice(at))); }
    }

    function filter() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      cues.forEach(function (cue) {
        var lower = cue.text.toLowerCase();
        var matches = words.every(function (word) { return lower.indexOf(word) >= 0; });
        cue.item.hidden = !matches;
        if (matches) { shown += 1; }
        mark(cue, matches ? words : []);
      });
      if (empty) { empty.hidden = shown > 0; }
      if (count) {
        count.textContent = words.length
          ? shown + (shown === 1 ? " line matches" : " lines match") + " “" + search.value.trim() + "”."
          : intro;
      }
    }
    if (search) { search.addEventListener("input", filter); }
  }

  var panels = document.querySelectorAll("[data-transcript]");
  var video = document.querySelector("video[data-token]");
  for (var i = 0; i < panels.length && video; i++) { setup(panels[i], video); }
})();
