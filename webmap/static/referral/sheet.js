/* The referral sheet's Print button (a listener: the Content-Security-Policy runs no inline onclick). */
(function () {
  "use strict";
  document.querySelectorAll(".rf-sheet-print").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
