// The usage page's live tail: new events arrive as server-sent events and
// go on top of the table. Without script, the page refreshes itself instead
// (a <noscript> refresh), so this file only makes it smoother.
(function () {
  "use strict";
  var live = document.querySelector("[data-stream]");
  if (!live || !window.EventSource) return;
  var rows = document.getElementById("usage-rows");
  var status = document.querySelector("[data-testid=live-status]");
  var source = new EventSource(live.getAttribute("data-stream"));
  function cell(tr, cls, text, href) {
    var td = document.createElement("td");
    td.className = cls;
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    tr.appendChild(td);
    return td;
  }
  source.addEventListener("open", function () {
    status.setAttribute("data-open", "");
    status.textContent = "Live: new usage appears at the top as it is recorded.";
  });
  source.addEventListener("usage", function (e) {
    var r = JSON.parse(e.data);
    var tr = document.createElement("tr");
    tr.className = "fresh";
    tr.setAttribute("data-event", r.ID);
    cell(tr, "c-sub", r.When);
    var main = cell(tr, "c-main", r.Type + " ");
    var code = document.createElement("code");
    code.className = "muted";
    code.textContent = r.ID;
    main.appendChild(code);
    cell(tr, "c-sub", r.Customer, "/console/customers/" + encodeURIComponent(r.CustomerID));
    cell(tr, "c-sub", (r.Fees || []).join("; "));
    cell(tr, "num", r.Total);
    var empty = document.querySelector("[data-testid=no-usage]");
    if (empty) empty.remove();
    rows.insertBefore(tr, rows.firstChild);
    while (rows.children.length > 200) rows.removeChild(rows.lastChild);
  });
  source.addEventListener("ended", function () {
    source.close();
    status.textContent = "Your session has ended: reload the page to sign in again.";
  });
  source.addEventListener("error", function () {
    status.textContent = "Reconnecting…";
  });
})();
