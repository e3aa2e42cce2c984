// koban status page: a button that copies the secret status link. Without
// this script the button stays hidden and the link is plain, selectable
// text. The words come from the page (data-done, data-select).
(function () {
  var button = document.getElementById("copy-link");
  if (!button) return;
  var link = document.getElementById(button.getAttribute("data-copy"));
  var said = document.getElementById("copy-done");
  if (!link || !said) return;
  function say(attr) { said.textContent = button.getAttribute(attr); }
  // select leaves the link selected for the person to copy themselves.
  function select() {
    var range = document.createRange();
    range.selectNodeContents(link);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    say("data-select");
  }
  function legacy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "sr-only";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    button.focus();
    if (ok) { say("data-done"); } else { select(); }
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = link.href;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { say("data-done"); }, function () { legacy(text); });
    } else {
      legacy(text);
    }
  });
})();
