/* The Cite block's copy button. Works from file://: a selection copied with execCommand first
   (no permission needed), the Clipboard API only when that is refused. */
(function () {
  "use strict";
  var button = document.querySelector("button[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  var status = button.parentNode.querySelector(".copy-status");
  button.hidden = false;

  function say(text) { status.textContent = text; }

  function copyBySelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-1000px";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    document.body.removeChild(area);
    return copied;
  }

  function selectSource() {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  button.addEventListener("click", function () {
    var text = source.textContent;
    if (copyBySelection(text)) { say("Copied"); return; }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { say("Copied"); }, function () {
        selectSource(); say("Selected: press Ctrl+C (⌘C) to copy");
      });
      return;
    }
    selectSource();
    say("Selected: press Ctrl+C (⌘C) to copy");
  });
})();
