// Screening list: one box selects or clears every proposal on the page.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", function () {
    var boxes = document.querySelectorAll('#bulk input[name="uuid"]');
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });
})();
