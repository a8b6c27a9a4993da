// Sorts the job table by the column whose header is clicked (again: the other way). Each
// cell's data-v is what it sorts by. "#sort=<column>" or "#sort=-<column>" in the address
// sorts on load, so a sorted view can be linked to.
(function () {
  "use strict";
  var table = document.getElementById("job-table");
  if (!table) { return; }
  var headers = table.tHead.rows[0].cells;
  var body = table.tBodies[0];
  function sortBy(column, descending) {
    var numeric = headers[column].getAttribute("data-type") === "num";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].getAttribute("data-v") || "";
      var y = b.cells[column].getAttribute("data-v") || "";
      var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      if (order === 0) {
        order = Number(a.cells[0].getAttribute("data-v")) - Number(b.cells[0].getAttribute("data-v"));
        return order;
      }
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    for (var i = 0; i < headers.length; i++) {
      headers[i].removeAttribute("aria-sort");
    }
    headers[column].setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  Array.prototype.forEach.call(headers, function (header, column) {
    header.addEventListener("click", function () {
      sortBy(column, header.getAttribute("aria-sort") === "ascending");
    });
  });
  var wanted = /^#sort=(-?)(.+)$/.exec(window.location.hash);
  if (wanted) {
    for (var c = 0; c < headers.length; c++) {
      if (headers[c].textContent === decodeURIComponent(wanted[2])) {
        sortBy(c, wanted[1] === "-");
      }
    }
  }
  document.documentElement.setAttribute("data-ready", "yes");
}());
