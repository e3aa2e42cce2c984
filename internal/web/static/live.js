// koban case and inbox pages: tell the officer that what the page shows
// changed, on this server or another, and offer to reload. The page works
// without this script.
(function () {
  var notice = document.getElementById("live-notice");
  if (!notice || !window.EventSource) return;
  var src = notice.getAttribute("data-events");
  if (!src) return;
  var es = new EventSource(src);
  es.addEventListener("change", function () {
    notice.hidden = false;
  });
})();
