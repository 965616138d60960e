// Collection pages: a new sort order applies as soon as it is picked. Without
// JavaScript the form's own "Sort" button does the same.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var form = select.form;
    var button = form && form.querySelector("[data-autosubmit-button]");
    if (!form || !button) return;
    button.hidden = true;
    select.addEventListener("change", function () { form.submit(); });
  });
})();
