// koban queue page: tell the officer when a report they may see arrives,
// on this server or another. The page works without this script.
(function () {
  var notice = document.getElementById("live-notice");
  if (!notice || !window.EventSource) return;
  var count = notice.querySelector("[data-count]");
  var n = 0;
  var es = new EventSource("/queue/events");
  es.addEventListener("report", function () {
    n += 1;
    count.textContent = String(n);
    notice.hidden = false;
  });
})();
