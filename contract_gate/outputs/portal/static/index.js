/* contract-gate portal, index: the filter box and the BU choice of the services table. */
(function () {
  "use strict";
  var box = document.getElementById("filter");
  var bu = document.getElementById("bu-filter");
  var shown = document.getElementById("shown-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#services tbody tr"));

  function apply() {
    var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = bu.value;
    var count = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-search");
      var owners = row.getAttribute("data-bus").split("\n");
      var match = words.every(function (word) { return text.indexOf(word) >= 0; }) &&
        (!wanted || owners.indexOf(wanted) >= 0);
      row.hidden = !match;
      if (match) { count += 1; }
    });
    shown.textContent = String(count);
  }

  box.addEventListener("input", apply);
  bu.addEventListener("change", apply);
  // A BU of the per-BU table picks it in the services table.
  Array.prototype.forEach.call(document.querySelectorAll("#bus tbody tr"), function (row) {
    var cell = row.querySelector(".bu");
    cell.setAttribute("role", "button");
    cell.setAttribute("tabindex", "0");
    cell.title = "Show the services of this BU";
    function pick() {
      bu.value = row.getAttribute("data-bu");
      apply();
      document.getElementById("services").scrollIntoView();
    }
    cell.addEventListener("click", pick);
    cell.addEventListener("keydown", function (event) { if (event.key === "Enter") { pick(); } });
  });
  apply();
}());
