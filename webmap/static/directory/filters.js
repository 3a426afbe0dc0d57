/* The directory list's filters: the département menu follows the chosen région.
   Without this script the page does the same once the form is sent (the server lists only the
   chosen région's départements); the full list is kept in an inert <template>. */
(function () {
  "use strict";
  var region = document.getElementById("region");
  var departement = document.getElementById("departement");
  var all = document.getElementById("wd-departements");
  if (!region || !departement || !all || !all.content) { return; }

  function narrow() {
    var chosen = region.value;
    var current = departement.value;
    while (departement.options.length > 1) { departement.remove(1); }  // keep "All départements"
    Array.prototype.forEach.call(all.content.querySelectorAll("optgroup"), function (group) {
      if (!chosen || group.dataset.region === chosen) { departement.appendChild(group.cloneNode(true)); }
    });
    departement.value = current;
    if (departement.value !== current) { departement.value = ""; }  // not in this région
    departement.dataset.region = chosen;
  }
  region.addEventListener("change", narrow);
  narrow();
}());
